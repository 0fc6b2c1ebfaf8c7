#!/bin/bash -eu
# Builds every fuzz target with the engine OSS-Fuzz / ClusterFuzzLite chose:
# $CC/$CXX/$CFLAGS/$CXXFLAGS carry the sanitizer and coverage flags and
# $LIB_FUZZING_ENGINE the driver (libFuzzer, AFL++, honggfuzz), handed to
# fuzz/CMakeLists.txt as CTC_FUZZ_ENGINE. Each target goes to $OUT with its
# seed corpus (NAME_seed_corpus.zip) and dictionary (NAME.dict), the names
# OSS-Fuzz looks for. The project's CTC_FUZZ/CTC_SANITIZE switches stay off:
# the flags come from the environment, so one script serves every sanitizer.
cd "$SRC/ctconform"
build=$WORK/build
targets=$(for f in fuzz/fuzz_*.cpp; do basename "$f" .cpp; done)

# The runner image has none of our shared libraries (libpcap, Boost), so
# they travel in $OUT/lib and the targets find them through their rpath.
cmake -S . -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DCMAKE_EXE_LINKER_FLAGS="-Wl,-rpath,'\$ORIGIN/lib'" \
  -DCTC_FUZZ=OFF -DCTC_SANITIZE=OFF -DCTC_BENCHMARKS=OFF \
  -DCTC_FUZZ_ENGINE="$LIB_FUZZING_ENGINE"
cmake --build "$build" --target $targets

mkdir -p "$OUT/lib"
for name in $targets; do
  cp "$build/fuzz/$name" "$OUT/"
  if [ -d "corpora/fuzz/$name" ]; then
    (cd "corpora/fuzz/$name" && zip -q -r "$OUT/${name}_seed_corpus.zip" .)
  fi
  if [ -f "fuzz/dict/$name.dict" ]; then
    cp "fuzz/dict/$name.dict" "$OUT/$name.dict"
  fi
  # Every shared library but the C/C++ runtime the runner image already has.
  ldd "$OUT/$name" | awk '/=> \// {print $3}' |
    grep -vE '/(libc|libm|libdl|librt|libpthread|libstdc\+\+|libgcc_s|ld-linux[^/]*)\.so' |
    xargs -r cp -n -t "$OUT/lib/"
done
