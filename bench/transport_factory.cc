// makeTransport: the library name on the command line to its BenchTransport backend.
#include "bench_transport.h"
#include "enet_transport.h"
#include "opengns_transport.h"

namespace opengns::bench {

std::unique_ptr<BenchTransport> makeTransport(const std::string& library, int64_t idle_sleep_us) {
  if (library == "enet") return std::make_unique<EnetTransport>();
  if (library == "opengns") return std::make_unique<OpengnsTransport>(idle_sleep_us);
  return nullptr;
}

}  // namespace opengns::bench
