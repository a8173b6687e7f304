#include "frame_render.h"

#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "wire/snp_constants.h"

namespace opengns::tools {

namespace {

// Frame kind names padded to one width so that the values line up.
constexpr int kFrameNameWidth = 13;

std::string named(std::string_view name, const std::string& text) {
  return absl::StrFormat("%-*s %s", kFrameNameWidth, absl::string_view(name.data(), name.size()),
                         text);
}

std::string delayText(uint16_t delay_raw) {
  if (delay_raw == wire::kAckDelayNoTiming) return "no timing";
  const double delay_ms = static_cast<double>(delay_raw) * wire::kAckDelayUnitUsec / 1000.0;
  return absl::StrFormat("%.1f ms", delay_ms);
}

struct FrameText {
  const FrameReport& report;

  std::string operator()(const wire::StopWaitingFrame& f) const {
    return named("stop-waiting", absl::StrCat("stop=", f.stop_packet_number,
                                              " (the sender needs no acks below packet ",
                                              f.stop_packet_number, ")"));
  }
  std::string operator()(const wire::AckFrame& f) const {
    std::string text =
        absl::StrCat("latest=", f.latest_packet_number, " delay ", delayText(f.delay_raw), ":");
    for (const wire::AckBlock& block : f.blocks) {
      absl::StrAppend(&text, " received ", packetRangeText(block.acked_begin, block.acked_end),
                      ", missing ", packetRangeText(block.nacked_begin, block.nacked_end), ";");
    }
    if (report.implicit_acked && report.implicit_acked->begin < report.implicit_acked->end) {
      absl::StrAppend(&text, " received ",
                      packetRangeText(report.implicit_acked->begin, report.implicit_acked->end));
    } else if (f.blocks.empty()) {
      absl::StrAppend(&text, " nothing new");
    } else {
      text.pop_back();  // the trailing ';'
    }
    return named("ack", text);
  }
  std::string operator()(const wire::SelectLaneFrame& f) const {
    return named("select-lane", absl::StrCat("lane ", f.lane));
  }
  std::string operator()(const wire::ReliableSegmentFrame& f) const {
    std::string text = absl::StrCat("lane ", f.lane, ", stream [", f.stream_position, ",",
                                    f.stream_position + f.data.size(), "), ", f.data.size(), " B");
    if (report.starts_message_number) {
      absl::StrAppend(&text, ", starts message #", *report.starts_message_number, " (",
                      report.starts_message_size_bytes.value_or(0), " B payload)");
    }
    return named("reliable", text);
  }
  std::string operator()(const wire::UnreliableSegmentFrame& f) const {
    std::string text = absl::StrCat("lane ", f.lane, ", message #", f.message_number, ", ");
    if (f.offset_bytes == 0 && f.is_last) {
      absl::StrAppend(&text, f.data.size(), " B, whole message");
    } else {
      absl::StrAppend(&text, "bytes [", f.offset_bytes, ",", f.offset_bytes + f.data.size(), "), ",
                      f.data.size(), " B", f.is_last ? ", last piece" : ", more to come");
    }
    return named("unreliable", text);
  }
};

bool isPrintable(ByteSpan bytes) {
  if (bytes.empty()) return false;
  for (uint8_t byte : bytes) {
    if (byte < 0x20 || byte > 0x7e) return false;
  }
  return true;
}

}  // namespace

std::string packetRangeText(uint64_t begin, uint64_t end) {
  if (end <= begin) return "none";
  if (end - begin == 1) return absl::StrCat(begin);
  return absl::StrCat(begin, "-", end - 1);
}

std::string renderFrame(const FrameReport& report) {
  std::string text = std::visit(FrameText{report}, report.frame);
  if (!report.note.empty()) absl::StrAppend(&text, " [", report.note, "]");
  return text;
}

std::string previewBytes(ByteSpan bytes) {
  if (bytes.empty()) return "(empty)";
  if (isPrintable(bytes)) {
    std::string text = "\"";
    for (size_t i = 0; i < bytes.size() && i < kPreviewChars; ++i) {
      const char c = static_cast<char>(bytes[i]);
      if (c == '"' || c == '\\') text.push_back('\\');
      text.push_back(c);
    }
    text.push_back('"');
    if (bytes.size() > kPreviewChars) text.append("...");
    return text;
  }
  std::string text = "hex";
  for (size_t i = 0; i < bytes.size() && i < kPreviewHexBytes; ++i) {
    absl::StrAppend(&text, " ", absl::Hex(bytes[i], absl::kZeroPad2));
  }
  if (bytes.size() > kPreviewHexBytes) text.append(" ...");
  return text;
}

std::string renderMessage(const snp::ReceivedMessage& message) {
  return absl::StrCat("lane ", message.lane, " #", message.message_number, " ",
                      message.reliable ? "reliable" : "unreliable", " ", message.data.size(), " B ",
                      previewBytes(message.data));
}

}  // namespace opengns::tools
