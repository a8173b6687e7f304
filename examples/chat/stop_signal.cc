#include "stop_signal.h"

#include <signal.h>

namespace opengns::chat {
namespace {

// The only thing a signal handler may safely touch.
volatile sig_atomic_t stop_flag = 0;

void onStopSignal(int) {
  stop_flag = 1;
}

}  // namespace

void installStopSignals() {
  struct sigaction action {};
  action.sa_handler = onStopSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: interrupt poll() so the loop reacts at once
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

bool stopRequested() {
  return stop_flag != 0;
}

}  // namespace opengns::chat
