// Creates an instance through the installed headers and library; exits 0 on success.
#include <opengns/opengns.h>

#include <cstdio>

int main() {
  auto sockets = opengns::NetworkingSockets::create({});
  if (!sockets.ok()) {
    std::fprintf(stderr, "create failed\n");
    return 1;
  }
  opengns::PollGroupHandle group = (*sockets)->createPollGroup();
  return group == opengns::kInvalidPollGroup ? 1 : 0;
}
