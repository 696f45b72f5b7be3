// libFuzzer target: the files `embed eval retrieval` reads (qrels, TREC runs,
// BEIR jsonl) must parse or throw embed::Error, never crash; what parses is
// scored.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "embed/core/error.h"
#include "embed/eval/retrieval.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  embed::eval::Qrels qrels;
  embed::eval::Run run;
  try {
    qrels = embed::eval::parse_qrels(text, "fuzz");
  } catch (const embed::Error&) {
  }
  try {
    run = embed::eval::parse_trec_run(text, "fuzz");
  } catch (const embed::Error&) {
  }
  try {
    (void)embed::eval::parse_beir_jsonl(text, "fuzz").size();
  } catch (const embed::Error&) {
  }
  if (!qrels.empty()) (void)embed::eval::evaluate_retrieval(run, qrels, {1, 10}).judged;
  return 0;
}
