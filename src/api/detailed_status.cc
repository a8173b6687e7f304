#include "api/detailed_status.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace opengns::api {
namespace {

std::string stateLine(const ConnectionInfo& info) {
  const std::string reason =
      absl::StrCat(" (reason ", static_cast<int>(info.end_reason), ": ", info.end_debug, ")");
  switch (info.connection_state) {
    case ConnectionState::kConnecting:
      return "connecting";
    case ConnectionState::kFindingRoute:
      return "performing rendezvous";
    case ConnectionState::kConnected:
      return "connected";
    case ConnectionState::kClosedByPeer:
      return absl::StrCat("closed by remote host", reason);
    case ConnectionState::kProblemDetectedLocally:
      return absl::StrCat("closed due to problem detected locally", reason);
    default:
      return absl::StrCat("closed", reason);
  }
}

}  // namespace

std::string describeConnectionStatus(const DetailedStatusInputs& inputs) {
  const ConnectionInfo& info = inputs.info;
  std::string text = absl::StrCat("End-to-end connection: ", stateLine(info), "\n");
  absl::StrAppend(&text, "    ", info.debug_description, "\n");
  absl::StrAppend(&text, "    Remote identity: ", info.identity.toString(),
                  "  address: ", info.remote_address.toString(), "  flags: ", info.info_flags,
                  "\n");
  if (inputs.status != nullptr) {
    const RealTimeStatus& s = *inputs.status;
    absl::StrAppend(&text, "Current rates:\n");
    absl::StrAppend(
        &text, absl::StrFormat("    Sent: %6.1f pkts/sec %8.1f KB/sec\n", s.packets_out_per_second,
                               s.bytes_out_per_second / 1024.0));
    absl::StrAppend(
        &text, absl::StrFormat("    Recv: %6.1f pkts/sec %8.1f KB/sec\n", s.packets_in_per_second,
                               s.bytes_in_per_second / 1024.0));
    absl::StrAppend(&text, "    Ping: ", s.ping, " ms   Quality: local ", s.local_quality,
                    " remote ", s.remote_quality, "\n");
    absl::StrAppend(&text, "    Send rate: ", s.send_rate, " B/s   Pending: reliable ",
                    s.pending_reliable, " B, unreliable ", s.pending_unreliable,
                    " B, sent unacked ", s.send_unacknowledged_reliable, " B\n");
  }
  if (inputs.counters != nullptr) {
    const snp::SnpSessionCounters& c = *inputs.counters;
    absl::StrAppend(&text, "Lifetime stats:\n");
    absl::StrAppend(&text, "    Packets built: ", c.data_packets_built, " with data, ",
                    c.control_packets_built, " ack-only\n");
    absl::StrAppend(&text, "    Packets received: ", c.packets_received, " (", c.packets_not_acked,
                    " refused, ", c.packets_dropped, " dropped)\n");
    absl::StrAppend(&text, "    Reliable bytes sent: ", c.reliable_bytes_sent,
                    ", resent: ", c.reliable_bytes_resent,
                    "; unreliable bytes sent: ", c.unreliable_bytes_sent, "\n");
    absl::StrAppend(&text, "    Messages: ", c.messages_queued, " queued, ", c.messages_refused,
                    " refused; delivered ", c.reliable_messages_delivered, " reliable, ",
                    c.unreliable_messages_delivered, " unreliable (", c.bytes_delivered,
                    " bytes)\n");
  } else {
    absl::StrAppend(&text, "No data packets exchanged yet.\n");
  }
  return text;
}

}  // namespace opengns::api
