// RapidCheck scales gen::inRange by the generation size: at small sizes it
// only ever gives `min`. Pools (hosts, ports) and renamings must cover their
// whole range at every size, so they draw at the nominal size; shrinking
// still goes towards `min`.
#pragma once

#include <rapidcheck.h>

namespace ctc::gen {

template <class T>
rc::Gen<T> uniform(T min, T max_exclusive) {
  return rc::gen::resize(rc::kNominalSize, rc::gen::inRange<T>(min, max_exclusive));
}

}  // namespace ctc::gen
