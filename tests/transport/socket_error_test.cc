#include "transport/socket_error.h"

#include <errno.h>
#include <gtest/gtest.h>

namespace opengns::transport {
namespace {

TEST(SocketErrorTest, ClassifiesTheErrorsAUdpSocketReports) {
  EXPECT_EQ(classifySocketError(EINTR), SocketErrorKind::kInterrupted);
  EXPECT_EQ(classifySocketError(EAGAIN), SocketErrorKind::kWouldBlock);
  EXPECT_EQ(classifySocketError(EWOULDBLOCK), SocketErrorKind::kWouldBlock);
  EXPECT_EQ(classifySocketError(ENOBUFS), SocketErrorKind::kWouldBlock);
  for (int error : {ECONNREFUSED, EHOSTUNREACH, ENETUNREACH}) {
    EXPECT_EQ(classifySocketError(error), SocketErrorKind::kAsyncIcmp) << error;
  }
  for (int error : {EMSGSIZE, EPERM, EACCES, EINVAL, EIO}) {
    EXPECT_EQ(classifySocketError(error), SocketErrorKind::kDatagramRefused) << error;
  }
  for (int error : {EBADF, ENOTSOCK, EFAULT}) {
    EXPECT_EQ(classifySocketError(error), SocketErrorKind::kFatal) << error;
  }
}

}  // namespace
}  // namespace opengns::transport
