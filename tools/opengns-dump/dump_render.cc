#include "dump_render.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "frame_render.h"
#include "wire/data_header.h"
#include "wire/inline_stats.h"
#include "wire/proto_describe.h"
#include "wire/udp_constants.h"

namespace opengns::tools {

namespace {

// Everything under a summary line is indented by this much.
constexpr std::string_view kDetailIndent = "      ";
constexpr int kDetailIndentWidth = 6;
constexpr size_t kHexBytesPerLine = 16;

absl::string_view asAbsl(std::string_view text) {
  return {text.data(), text.size()};
}

std::string kindText(const PacketReport& report) {
  switch (report.kind) {
    case wire::DatagramKind::kControl:
      if (report.control) return std::string(wire::controlTypeName(report.control->type()));
      if (auto type = wire::controlTypeFromLeadByte(report.payload[0])) {
        return absl::StrCat(std::string(wire::controlTypeName(*type)), " (not decodable)");
      }
      return absl::StrFormat("control (lead byte 0x%02x)", report.payload[0]);
    case wire::DatagramKind::kData: {
      if (!report.data) return "data";
      const DataReport& data = *report.data;
      std::string text =
          data.full_packet_number
              ? absl::StrCat("data packet ", *data.full_packet_number)
              : absl::StrFormat("data (wire number 0x%04x)", data.wire_packet_number);
      if (data.chunk_status == ChunkStatus::kNoKeys ||
          data.chunk_status == ChunkStatus::kCipherUnknown) {
        absl::StrAppend(&text, " (encrypted)");
      }
      return text;
    }
    case wire::DatagramKind::kTooShort:
      return "too short for GNS: ignored";
    case wire::DatagramKind::kUnknown:
      break;
  }
  return absl::StrFormat("not GNS (lead byte 0x%02x): ignored", report.payload[0]);
}

std::string chunkText(const DataReport& data) {
  const std::string where = absl::StrCat(data.chunk_len, " B at offset ", data.chunk_offset);
  switch (data.chunk_status) {
    case ChunkStatus::kDecrypted:
      return absl::StrCat(where, ", AES-256-GCM, tag ok: ", data.plaintext.size(),
                          " B of plaintext");
    case ChunkStatus::kNullCipher:
      return absl::StrCat(where, ", NULL cipher: the chunk is the plaintext");
    case ChunkStatus::kNoKeys:
      return absl::StrCat(where, ", encrypted: give --keylog to see the frames");
    case ChunkStatus::kCipherUnknown:
      return absl::StrCat(where,
                          ", cipher unknown (no handshake in the capture, no key log): "
                          "frames not shown");
    case ChunkStatus::kNotAttempted:
      return absl::StrCat(where, ", not opened");
    case ChunkStatus::kDecryptFailed:
      return absl::StrCat(where, ", AES-256-GCM: authentication FAILED");
  }
  return where;
}

}  // namespace

void DumpRenderer::header(const DumpHeader& header) {
  out_ << "opengns-dump " << header.capture_path << ": " << header.datagram_count
       << " UDP datagrams in " << absl::StrFormat("%.3f", header.duration_sec) << " s\n";
  if (!header.endpoints.client.empty()) {
    out_ << "  client " << header.endpoints.client << ", server "
         << (header.endpoints.server.empty() ? "?" : header.endpoints.server) << " ("
         << basisDescription(header.endpoints.basis) << ")\n";
  } else {
    out_ << "  " << basisDescription(header.endpoints.basis) << "\n";
  }
  out_ << "  " << header.decryption << "\n";
  out_ << "  Each datagram: #index, seconds since the first, direction (c2s = client to server,\n"
          "  s2c = server to client), addresses, UDP payload size, kind. Indented under it:\n"
          "  control messages field by field, or the data header and the SNP frames inside;\n"
          "  '>> message' lines are application messages as the receiver completes them.\n\n";
}

void DumpRenderer::packet(const PacketReport& report) {
  count(report);
  summaryLine(report);
  if (report.control) {
    // describeControlPacket indents its fields by two; shift the whole block.
    std::string text = wire::describeControlPacket(*report.control);
    size_t start = 0;
    while (start < text.size()) {
      const size_t end = text.find('\n', start);
      const size_t stop = end == std::string::npos ? text.size() : end;
      out_ << kDetailIndent << std::string_view(text).substr(start, stop - start) << "\n";
      start = stop + 1;
    }
  }
  if (report.data) dataDetails(report);
  if (options_.show_hex) hexLines("payload", report.payload);
}

void DumpRenderer::summaryLine(const PacketReport& report) {
  out_ << absl::StrFormat("#%-5d +%.6fs  %s  %s -> %s  %5d B  %s", report.index,
                          report.time_rel_sec, asAbsl(directionName(report.direction)), report.src,
                          report.dst, report.payload.size(), kindText(report));
  if (!report.errors.empty()) {
    out_ << "  ** ERROR: " << absl::StrJoin(report.errors, "; ");
  }
  out_ << "\n";
}

void DumpRenderer::dataDetails(const PacketReport& report) {
  const DataReport& data = *report.data;
  std::string header = absl::StrFormat("%-13s flags 0x%02x, to connection 0x%08x", "header",
                                       data.flags, data.to_connection_id);
  if (!data.to_connection_owner.empty())
    absl::StrAppend(&header, " (", data.to_connection_owner, ")");
  absl::StrAppend(&header, absl::StrFormat(", wire number 0x%04x", data.wire_packet_number));
  if (data.full_packet_number) {
    absl::StrAppend(&header, " = packet ", *data.full_packet_number);
  }
  if (data.highest_before) {
    absl::StrAppend(&header, " (out of order: packet ", *data.highest_before, " came first)");
  }
  out_ << kDetailIndent << header << "\n";
  if (data.inline_stats) {
    const uint32_t flags = wire::effectiveStatsFlags(*data.inline_stats);
    std::string line = absl::StrFormat("%-13s %d B", "inline stats", data.inline_stats_len);
    if (flags & wire::kStatsFlagAckRequestE2E) absl::StrAppend(&line, ", asks for an ack");
    if (flags & wire::kStatsFlagAckRequestImmediate) absl::StrAppend(&line, " at once");
    out_ << kDetailIndent << line << "\n"
         << wire::describeMessage(*data.inline_stats, kDetailIndentWidth + 2);
  }
  if (data.time_since_previous_16usec) {
    out_ << kDetailIndent
         << absl::StrFormat("%-13s %d us since the sender's previous data packet (field %d x 16)",
                            "time since",
                            wire::timeSincePreviousUsec(*data.time_since_previous_16usec),
                            *data.time_since_previous_16usec)
         << "\n";
  }
  out_ << kDetailIndent << absl::StrFormat("%-13s %s", "chunk", chunkText(data)) << "\n";
  for (const FrameReport& frame : data.frames) {
    if (options_.show_frames) out_ << kDetailIndent << renderFrame(frame) << "\n";
    if (!options_.show_messages) continue;
    for (const snp::ReceivedMessage& message : frame.completed) {
      out_ << kDetailIndent << ">> message " << directionName(report.direction) << " "
           << renderMessage(message) << "\n";
    }
  }
  // A plaintext whose frames did not decode is shown in hex even without --hex: the
  // bytes are what the user needs to see then.
  const bool frames_failed = data.frames.empty() && !report.errors.empty();
  if ((options_.show_hex || frames_failed) && !data.plaintext.empty()) {
    hexLines("plaintext", data.plaintext);
  }
}

void DumpRenderer::hexLines(std::string_view label, ByteSpan bytes) {
  out_ << kDetailIndent << label << " (" << bytes.size() << " B):\n";
  for (size_t offset = 0; offset < bytes.size(); offset += kHexBytesPerLine) {
    std::string line = absl::StrFormat("%s  %04x ", asAbsl(kDetailIndent), offset);
    for (size_t i = offset; i < bytes.size() && i < offset + kHexBytesPerLine; ++i) {
      absl::StrAppend(&line, " ", absl::Hex(bytes[i], absl::kZeroPad2));
    }
    out_ << line << "\n";
  }
}

void DumpRenderer::count(const PacketReport& report) {
  DirectionTotals& totals = totals_[static_cast<size_t>(report.direction)];
  ++totals.packets;
  totals.bytes += report.payload.size();
  if (report.kind == wire::DatagramKind::kControl) ++totals.control_packets;
  if (report.kind == wire::DatagramKind::kData) ++totals.data_packets;
  if (!report.errors.empty()) ++totals.packets_with_errors;
  if (!report.data) return;
  for (const FrameReport& frame : report.data->frames) {
    for (const snp::ReceivedMessage& message : frame.completed) {
      ++(message.reliable ? totals.reliable_messages : totals.unreliable_messages);
      totals.message_bytes += message.data.size();
    }
  }
}

void DumpRenderer::totals() {
  out_ << "\ntotals\n";
  for (const Direction direction :
       {Direction::kClientToServer, Direction::kServerToClient, Direction::kOther}) {
    const DirectionTotals& t = totalsFor(direction);
    if (direction == Direction::kOther && t.packets == 0) continue;
    out_ << absl::StrFormat(
        "  %s  %d packets, %d B (%d control, %d data); %d messages (%d reliable, %d unreliable, "
        "%d B); decode errors: %d\n",
        asAbsl(directionName(direction)), t.packets, t.bytes, t.control_packets, t.data_packets,
        t.reliable_messages + t.unreliable_messages, t.reliable_messages, t.unreliable_messages,
        t.message_bytes, t.packets_with_errors);
  }
}

}  // namespace opengns::tools
