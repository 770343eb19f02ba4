// A downstream program: builds the reference MLP from the installed headers and
// library, trains one step and prints the loss.
#include <cstdio>

#include "core/ops/cross_entropy.h"
#include "core/rng.h"
#include "workloads/mlp_model.h"
#include "workloads/workload_registry.h"

int main() {
  using namespace gaplab;
  ParameterArena arena;
  MlpSpec spec;
  spec.widths = {32};
  auto model = buildMlp(arena, spec);
  RngStream rng(1, RngPurpose::kInit);
  arena.allocate(rng);
  Tape tape;
  Variable x(Tensor::full({4, 784}, 0.5f));
  std::vector<int32_t> labels{0, 1, 2, 3};
  Variable loss = softmaxCrossEntropy(tape, model->forward(tape, x, ForwardContext{}), labels);
  tape.backward(loss);
  std::printf("consumer ok: loss %.4f, %zu workloads registered\n", loss.value().item(),
              WorkloadRegistry::instance().names().size());
  return 0;
}
