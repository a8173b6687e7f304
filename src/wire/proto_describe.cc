// See proto_describe.h. Uses protobuf reflection, so it works for every message of
// proto/ without per-message code.
#include "wire/proto_describe.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/bytes.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/unknown_field_set.h"
#include "opengns_crypto.pb.h"

namespace opengns::wire {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// For a bytes field that carries a serialized message, a fresh instance of that
// message type; nullptr for ordinary bytes.
std::unique_ptr<Message> nestedSerializedMessage(const FieldDescriptor& field) {
  const std::string& owner = field.containing_type()->full_name();
  if (owner == CertificateSigned::descriptor()->full_name() && field.name() == "cert") {
    return std::make_unique<Certificate>();
  }
  if (owner == SessionCryptInfoSigned::descriptor()->full_name() && field.name() == "info") {
    return std::make_unique<SessionCryptInfo>();
  }
  return nullptr;
}

// Text fields are declared as bytes in our .proto files (see their header); show
// printable ones as quoted text and anything else as hex.
bool isPrintableText(const std::string& bytes) {
  if (bytes.empty()) return false;
  for (unsigned char c : bytes) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

std::string bytesText(const std::string& bytes) {
  if (isPrintableText(bytes)) return absl::StrCat("\"", bytes, "\"");
  ByteSpan span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  return absl::StrCat(bytes.size(), " bytes: ", toHex(span));
}

void appendField(const Message& message, const FieldDescriptor& field, int index,
                 const std::string& prefix, int indent, std::string& out) {
  const Reflection& r = *message.GetReflection();
  const bool repeated = field.is_repeated();
  std::string label = field.name();
  if (repeated) absl::StrAppend(&label, "[", index, "]");
  absl::StrAppend(&out, prefix, label);

  switch (field.type()) {
    case FieldDescriptor::TYPE_MESSAGE:
    case FieldDescriptor::TYPE_GROUP: {
      const Message& nested =
          repeated ? r.GetRepeatedMessage(message, &field, index) : r.GetMessage(message, &field);
      absl::StrAppend(&out, " {\n", describeMessage(nested, indent + 2), prefix, "}\n");
      return;
    }
    case FieldDescriptor::TYPE_BYTES: {
      std::string scratch;
      const std::string& value =
          repeated ? r.GetRepeatedStringReference(message, &field, index, &scratch)
                   : r.GetStringReference(message, &field, &scratch);
      if (std::unique_ptr<Message> nested = nestedSerializedMessage(field);
          nested != nullptr && nested->ParseFromString(value)) {
        absl::StrAppend(&out, " (", value.size(), " bytes) {\n",
                        describeMessage(*nested, indent + 2), prefix, "}\n");
        return;
      }
      absl::StrAppend(&out, ": ", bytesText(value), "\n");
      return;
    }
    case FieldDescriptor::TYPE_STRING: {  // none today (see bytesText), kept for new fields
      std::string scratch;
      const std::string& value =
          repeated ? r.GetRepeatedStringReference(message, &field, index, &scratch)
                   : r.GetStringReference(message, &field, &scratch);
      absl::StrAppend(&out, ": \"", absl::CEscape(value), "\"\n");
      return;
    }
    case FieldDescriptor::TYPE_FIXED32: {
      const uint32_t value =
          repeated ? r.GetRepeatedUInt32(message, &field, index) : r.GetUInt32(message, &field);
      absl::StrAppend(&out, ": ", value, " (0x", absl::Hex(value, absl::kZeroPad8), ")\n");
      return;
    }
    case FieldDescriptor::TYPE_FIXED64: {
      const uint64_t value =
          repeated ? r.GetRepeatedUInt64(message, &field, index) : r.GetUInt64(message, &field);
      absl::StrAppend(&out, ": ", value, " (0x", absl::Hex(value, absl::kZeroPad16), ")\n");
      return;
    }
    default:
      break;
  }

  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      absl::StrAppend(
          &out, ": ",
          repeated ? r.GetRepeatedInt32(message, &field, index) : r.GetInt32(message, &field),
          "\n");
      return;
    case FieldDescriptor::CPPTYPE_INT64:
      absl::StrAppend(
          &out, ": ",
          repeated ? r.GetRepeatedInt64(message, &field, index) : r.GetInt64(message, &field),
          "\n");
      return;
    case FieldDescriptor::CPPTYPE_UINT32:
      absl::StrAppend(
          &out, ": ",
          repeated ? r.GetRepeatedUInt32(message, &field, index) : r.GetUInt32(message, &field),
          "\n");
      return;
    case FieldDescriptor::CPPTYPE_UINT64:
      absl::StrAppend(
          &out, ": ",
          repeated ? r.GetRepeatedUInt64(message, &field, index) : r.GetUInt64(message, &field),
          "\n");
      return;
    case FieldDescriptor::CPPTYPE_BOOL: {
      const bool value =
          repeated ? r.GetRepeatedBool(message, &field, index) : r.GetBool(message, &field);
      absl::StrAppend(&out, ": ", value ? "true" : "false", "\n");
      return;
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const int value = repeated ? r.GetRepeatedEnumValue(message, &field, index)
                                 : r.GetEnumValue(message, &field);
      const auto* enum_value = field.enum_type()->FindValueByNumber(value);
      absl::StrAppend(&out, ": ", enum_value != nullptr ? enum_value->name() : "?", " (", value,
                      ")\n");
      return;
    }
    case FieldDescriptor::CPPTYPE_DOUBLE:
      absl::StrAppend(
          &out, ": ",
          repeated ? r.GetRepeatedDouble(message, &field, index) : r.GetDouble(message, &field),
          "\n");
      return;
    case FieldDescriptor::CPPTYPE_FLOAT:
      absl::StrAppend(
          &out, ": ",
          repeated ? r.GetRepeatedFloat(message, &field, index) : r.GetFloat(message, &field),
          "\n");
      return;
    default:
      absl::StrAppend(&out, ": (unprintable)\n");
      return;
  }
}

}  // namespace

std::string describeMessage(const Message& message, int indent) {
  const std::string prefix(static_cast<size_t>(indent < 0 ? 0 : indent), ' ');
  const Reflection& r = *message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r.ListFields(message, &fields);  // present fields, in field-number order
  std::string out;
  for (const FieldDescriptor* field : fields) {
    const int count = field->is_repeated() ? r.FieldSize(message, field) : 1;
    for (int i = 0; i < count; ++i)
      appendField(message, *field, i, prefix, indent, out);
  }
  const google::protobuf::UnknownFieldSet& unknown = r.GetUnknownFields(message);
  for (int i = 0; i < unknown.field_count(); ++i) {
    absl::StrAppend(&out, prefix, "unknown field ", unknown.field(i).number(), "\n");
  }
  return out;
}

}  // namespace opengns::wire
