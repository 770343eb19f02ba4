// distributed/collective_timeout.h — how long a rank waits for NCCL before it
// gives up: the set-up of a communicator, and one device sum.
//
// Why (DESIGN.md "Distributed"): when a peer rank dies in the middle of an NCCL
// sum, the survivors' kernels never finish and a host waiting for them would
// hang for ever, holding the sweep's GPUs. The NCCL communicator therefore polls
// its sums (distributed/cuda/nccl_communicator.h) and aborts after a timeout.
// The timeout comes from the environment (GAPLAB_NCCL_TIMEOUT_S, docs/cuda.md);
// reading it is a pure function here, tested on the CPU.
#pragma once

namespace gaplab {

// The environment variable that sets the timeout of one device sum, in seconds.
inline constexpr const char* kNcclTimeoutVariable = "GAPLAB_NCCL_TIMEOUT_S";
// A sum still unfinished this long after it was enqueued is taken for a hang
// (a dead or stuck peer): the communicator is aborted and the wait throws.
inline constexpr double kDefaultNcclTimeoutSeconds = 600.0;
// How long every rank waits for ncclCommInitRankConfig to finish (all ranks
// join, connections set up) before aborting the half-made communicator.
inline constexpr double kNcclInitTimeoutSeconds = 120.0;
// How long a healthy communicator's ncclCommFinalize may take before it is aborted instead.
inline constexpr double kNcclFinalizeTimeoutSeconds = 120.0;

// The value of GAPLAB_NCCL_TIMEOUT_S: nullptr or empty -> kDefaultNcclTimeoutSeconds;
// otherwise a positive, finite number of seconds ("30", "1.5", " 90 ", "1e3").
// Anything else (text, trailing junk, 0, negative, inf, nan) throws
// std::invalid_argument naming the variable and the text.
double parseNcclTimeoutSeconds(const char* text);

// parseNcclTimeoutSeconds(std::getenv(kNcclTimeoutVariable)).
double ncclTimeoutSecondsFromEnvironment();

}  // namespace gaplab
