#include "console.h"

#include <cstdio>
#include <string>

namespace opengns::chat {

void printLine(std::string_view line) {
  std::string text(line);
  text += '\n';
  // One fwrite per line keeps a line whole even if the library logs to stderr meanwhile.
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

void printStatus(std::string_view line) {
  printLine(std::string("* ").append(line));
}

}  // namespace opengns::chat
