// Structure-aware mutation for fuzz_differential: edits the decoded op list
// (insert, delete, duplicate, swap, answer) and TCP fields the way the
// trackers care about (single flags, seq/ack at the window edges, window
// scale, payload length), so that most mutants stay meaningful conversations
// rather than noise. Every result is canonical bytes that decode() maps back
// to the mutated Input. LLVMFuzzerMutate, when linked, is the fallback that
// keeps byte-level exploration (and the dictionary) in play.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <span>

#include "fuzz/diff_input.h"

namespace ctc::fuzz {

using Rng = std::minstd_rand;

// One structured edit of `input`, keeping at most `max_ops` ops.
void mutate_input(Input& input, Rng& rng, size_t max_ops);

// The libFuzzer hooks' bodies (see LLVMFuzzerCustomMutator / CustomCrossOver).
size_t mutate(uint8_t* data, size_t size, size_t max_size, unsigned int seed);
size_t cross_over(std::span<const uint8_t> a, std::span<const uint8_t> b, uint8_t* out,
                  size_t max_out_size, unsigned int seed);

}  // namespace ctc::fuzz
