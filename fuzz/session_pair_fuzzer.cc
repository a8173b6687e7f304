// Structure-aware fuzzing of a whole session: the input is a script (fuzz/session_script.h)
// of application sends and network faults (loss, reordering, duplication, corruption,
// truncation, replay, time) for two in-memory peers on the encrypted SNP data path. Any
// broken delivery invariant aborts with the failure and the decoded script.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "common/log.h"
#include "session_script.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Errors and bugs only: the library's warnings (e.g. a large unreliable message sent
  // reliable) would flood the output at every execution.
  opengns::setProcessLogSink(
      [](opengns::LogLevel, std::string_view text) {
        std::fprintf(stderr, "opengns: %.*s\n", static_cast<int>(text.size()), text.data());
      },
      opengns::LogLevel::kError);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const opengns::ByteSpan script(data, size);
  const opengns::fuzzing::SessionScriptResult result = opengns::fuzzing::runSessionScript(script);
  if (!result.ok()) {
    std::fprintf(stderr, "session invariant broken: %s\nscript:\n%s", result.failure.c_str(),
                 opengns::fuzzing::describeSessionScript(script).c_str());
    std::abort();
  }
  return 0;
}
