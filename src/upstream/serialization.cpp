#include "upstream/serialization.hpp"

#include <boost/json/serialize.hpp>
#include <functional>
#include <vector>

#include "common/encoding.hpp"
#include "upstream/url_encoding.hpp"

namespace mamute::upstream {

namespace json = boost::json;

namespace {

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
    std::string out;
    for (const auto& part : parts) {
        if (!out.empty()) out += separator;
        out += part;
    }
    return out;
}

// Quoted-string values in Content-Disposition, escaped the way browsers do (HTML form submission).
std::string disposition_quote(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '"')
            out += "%22";
        else if (c == '\r')
            out += "%0D";
        else if (c == '\n')
            out += "%0A";
        else
            out += c;
    }
    return out;
}

}  // namespace

std::string item_text(const json::value& value) {
    if (auto text = scalar_to_string(value)) return *text;
    return json::serialize(value);
}

std::string serialize_path_param(std::string_view name, std::string_view style, bool explode, const json::value& value) {
    const std::string key = percent_encode(name);
    const std::string prefix = style == "label" ? "." : "";
    if (auto text = scalar_to_string(value)) {
        if (style == "matrix") return ";" + key + (text->empty() ? "" : "=" + percent_encode(*text));
        return prefix + percent_encode(*text);
    }
    std::vector<std::string> parts;
    if (const auto* array = value.if_array()) {
        for (const auto& item : *array) parts.push_back(percent_encode(item_text(item)));
        if (style == "matrix") {
            if (!explode) return ";" + key + "=" + join(parts, ",");
            std::string out;
            for (const auto& part : parts) out += ";" + key + "=" + part;
            return out;
        }
        return prefix + join(parts, style == "label" && explode ? "." : ",");
    }
    if (const auto* object = value.if_object()) {
        for (const auto& [field, item] : *object) {
            const auto encoded_field = percent_encode(field), encoded_item = percent_encode(item_text(item));
            parts.push_back(explode ? encoded_field + "=" + encoded_item : encoded_field + "," + encoded_item);
        }
        if (style == "matrix") {
            if (!explode) return ";" + key + "=" + join(parts, ",");
            std::string out;
            for (const auto& part : parts) out += ";" + part;
            return out;
        }
        return prefix + join(parts, style == "label" && explode ? "." : ",");
    }
    return {};
}

std::string encode_segment(std::string_view decoded) {
    static constexpr std::string_view keep = "!$&'()*+,;=:@";
    std::string out;
    for (char c : decoded) {
        if (keep.find(c) != std::string_view::npos)
            out += c;
        else
            out += percent_encode(std::string_view(&c, 1));
    }
    return out;
}

bool is_json_media(std::string_view content_type) {
    auto media = ascii_lower(content_type.substr(0, content_type.find(';')));
    while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.pop_back();
    return media == "application/json" || (media.size() > 5 && media.ends_with("+json"));
}

std::string encode_query_text(std::string_view text, bool allow_reserved) {
    if (!allow_reserved) return percent_encode(text);
    static constexpr std::string_view reserved_kept = ":/?[]@!$'()*,;";
    std::string out;
    for (char c : text) {
        if (reserved_kept.find(c) != std::string_view::npos)
            out += c;
        else
            out += percent_encode(std::string_view(&c, 1));
    }
    return out;
}

FieldEncodings field_encodings(const json::value& media_type) {
    FieldEncodings out;
    const auto* media = media_type.if_object();
    const auto* encoding = media ? media->if_contains("encoding") : nullptr;
    if (!encoding || !encoding->is_object()) return out;
    for (const auto& [name, entry] : encoding->get_object()) {
        const auto* object = entry.if_object();
        if (!object) continue;
        FieldEncoding field;
        if (const auto* type = object->if_contains("contentType"); type && type->is_string()) {
            std::string_view first = type->get_string();
            first = first.substr(0, first.find(','));
            field.content_type = trim_whitespace(first);
        }
        if (const auto* style = object->if_contains("style"); style && style->is_string()) field.style = style->get_string();
        // explode defaults to true for style form only, as for query parameters.
        field.explode = field.style.empty() || field.style == "form";
        if (const auto* explode = object->if_contains("explode"); explode && explode->is_bool()) field.explode = explode->get_bool();
        if (const auto* reserved = object->if_contains("allowReserved"); reserved && reserved->is_bool())
            field.allow_reserved = reserved->get_bool();
        out.emplace(std::string(name), std::move(field));
    }
    return out;
}

namespace {

// How styled names and values are written: percent-encoded for URLs and form bodies, as-is for the
// names and contents of multipart parts (which carry their own framing).
struct Spelling {
    std::function<std::string(std::string_view)> name, text;  // names never keep reserved characters
    std::string_view space, pipe, open_bracket, close_bracket;
};

using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs styled(std::string_view name, std::string_view style, bool explode, const json::value& value, const Spelling& spell) {
    Pairs out;
    if (style.empty()) style = "form";
    const std::string key = spell.name(name);
    const std::string_view separator = style == "spaceDelimited" ? spell.space : style == "pipeDelimited" ? spell.pipe : ",";
    if (auto text = scalar_to_string(value)) {
        out.emplace_back(key, spell.text(*text));
    } else if (const auto* array = value.if_array()) {
        if (explode && (style == "form" || style == "deepObject")) {
            for (const auto& item : *array) out.emplace_back(key, spell.text(item_text(item)));
        } else {
            std::string joined;
            for (const auto& item : *array) joined += (joined.empty() ? "" : std::string(separator)) + spell.text(item_text(item));
            out.emplace_back(key, joined);
        }
    } else if (const auto* object = value.if_object()) {
        if (style == "deepObject") {
            for (const auto& [field, item] : *object)
                out.emplace_back(key + std::string(spell.open_bracket) + spell.name(field) + std::string(spell.close_bracket),
                                 spell.text(item_text(item)));
        } else if (style == "form" && explode) {
            for (const auto& [field, item] : *object) out.emplace_back(spell.name(field), spell.text(item_text(item)));
        } else {
            // form: R,100,G,200; spaceDelimited: R%20100%20G%20200; pipeDelimited: R%7C100%7CG%7C200
            std::string joined;
            for (const auto& [field, item] : *object)
                joined += (joined.empty() ? "" : std::string(separator)) + spell.text(field) + std::string(separator) +
                          spell.text(item_text(item));
            out.emplace_back(key, joined);
        }
    }
    return out;
}

std::string as_is(std::string_view text) { return std::string(text); }

// Base64 text as bytes; MIME base64 wraps lines, and the line breaks are not data.
Expected<std::string> decode_base64_text(const json::value& text) {
    if (!text.is_string()) return make_error("'base64' must be a string of base64 text");
    std::string compact;
    for (char c : std::string_view(text.get_string()))
        if (c != '\r' && c != '\n' && c != ' ' && c != '\t') compact += c;
    auto decoded = base64_decode(compact);
    if (!decoded) return make_error("'base64' is not valid base64 text");
    return std::move(*decoded);
}

}  // namespace

bool is_file_field(const json::value& value) {
    const auto* object = value.if_object();
    const auto* filename = object ? object->if_contains("filename") : nullptr;
    return filename && filename->is_string() && (object->contains("content") || object->contains("base64"));
}

Pairs styled_pairs(std::string_view name, std::string_view style, bool explode, bool allow_reserved, const json::value& value) {
    const Spelling spell{percent_encode,
                         [allow_reserved](std::string_view text) { return encode_query_text(text, allow_reserved); },
                         "%20", "%7C", "%5B", "%5D"};
    return styled(name, style, explode, value, spell);
}

std::string form_urlencode(const json::object& fields, const FieldEncodings& encodings) {
    std::string out;
    for (const auto& [name, value] : fields) {
        if (value.is_null()) continue;
        const auto found = encodings.find(std::string_view(name));
        const FieldEncoding encoding = found != encodings.end() ? found->second : FieldEncoding{};
        for (const auto& [key, text] : styled_pairs(name, encoding.style, encoding.explode, encoding.allow_reserved, value))
            out += (out.empty() ? "" : "&") + key + "=" + text;
    }
    return out;
}

Expected<EncodedBody> multipart_form(const json::object& fields, const FieldEncodings& encodings) {
    struct Part {
        std::string headers;
        std::string content;
    };
    std::vector<Part> parts;
    auto disposition = [](std::string_view name) {
        return "Content-Disposition: form-data; name=\"" + disposition_quote(name) + "\"";
    };
    auto type_header = [](const std::string& type) -> Expected<std::string> {
        if (type.empty()) return std::string();
        if (!is_valid_header_value(type)) return make_error("refused: a multipart contentType contains CR, LF or NUL");
        return "Content-Type: " + type + "\r\n";
    };
    // One part for one value: a file, text, or JSON for objects and arrays.
    auto add_part = [&](std::string_view name, const json::value& value, const std::string& declared_type) -> Expected<bool> {
        if (is_file_field(value)) {
            const auto& file = value.get_object();
            std::string type = declared_type.empty() ? "application/octet-stream" : declared_type;
            if (const auto* given = file.if_contains("contentType"); given && given->is_string()) type = given->get_string();
            std::string content;
            if (const auto* text = file.if_contains("content"); text && text->is_string()) {
                content = text->get_string();
            } else if (auto decoded = decode_base64_text(file.at("base64"))) {
                content = std::move(*decoded);
            } else {
                return make_error("multipart field '" + std::string(name) +
                                  "': a file needs 'content' (text) or 'base64' (valid base64 text)");
            }
            auto header = type_header(type);
            if (!header) return header.error();
            parts.push_back({disposition(name) + "; filename=\"" + disposition_quote(file.at("filename").get_string()) +
                                 "\"\r\n" + *header,
                             std::move(content)});
        } else if (auto bytes = base64_field(value)) {  // raw bytes without a file name
            if (!*bytes) return make_error("multipart field '" + std::string(name) + "': " + bytes->error().message);
            auto header = type_header(declared_type.empty() ? "application/octet-stream" : declared_type);
            if (!header) return header.error();
            parts.push_back({disposition(name) + "\r\n" + *header, std::move(**bytes)});
        } else if (auto text = scalar_to_string(value)) {
            auto header = type_header(declared_type);
            if (!header) return header.error();
            parts.push_back({disposition(name) + "\r\n" + *header, *text});
        } else {
            auto header = type_header(declared_type.empty() ? "application/json" : declared_type);
            if (!header) return header.error();
            parts.push_back({disposition(name) + "\r\n" + *header, json::serialize(value)});
        }
        return true;
    };
    for (const auto& [name, value] : fields) {
        if (value.is_null()) continue;
        const auto found = encodings.find(std::string_view(name));
        const FieldEncoding encoding = found != encodings.end() ? found->second : FieldEncoding{};
        if (!encoding.style.empty() && !is_file_field(value) && value.is_structured()) {
            // A declared style splits the value into parts as it would split it into query pairs.
            for (auto& [part_name, text] : styled(name, encoding.style, encoding.explode, value, {as_is, as_is, " ", "|", "[", "]"}))
                if (auto added = add_part(part_name, json::string(text), encoding.content_type); !added) return added.error();
        } else if (const auto* array = value.if_array(); array && encoding.content_type != "application/json") {
            for (const auto& item : *array)  // repeated parts of the same name, as browsers and curl -F send
                if (auto added = add_part(name, item, encoding.content_type); !added) return added.error();
        } else if (auto added = add_part(name, value, encoding.content_type); !added) {
            return added.error();
        }
    }
    // Deterministic (the builder is pure), and checked against every part so it cannot collide.
    std::string boundary = "mamute-form-boundary";
    for (int attempt = 1;; ++attempt) {
        bool collides = false;
        for (const auto& part : parts)
            collides = collides || part.content.find(boundary) != std::string::npos ||
                       part.headers.find(boundary) != std::string::npos;
        if (!collides) break;
        boundary = "mamute-form-boundary-" + std::to_string(attempt) + "-" + std::to_string(attempt * 7919);
    }
    EncodedBody out;
    for (const auto& part : parts) out.body += "--" + boundary + "\r\n" + part.headers + "\r\n" + part.content + "\r\n";
    out.body += "--" + boundary + "--\r\n";
    out.content_type = "multipart/form-data; boundary=" + boundary;
    return out;
}

std::string serialize_cookie(std::string_view name, bool explode, const json::value& value) {
    std::string out;
    const std::string key = percent_encode(name);
    auto add = [&](const std::string& pair) { out += (out.empty() ? "" : "; ") + pair; };
    if (auto text = scalar_to_string(value)) {
        add(key + "=" + percent_encode(*text));
    } else if (const auto* array = value.if_array()) {
        std::string joined;
        for (const auto& item : *array) {
            if (explode)
                add(key + "=" + percent_encode(item_text(item)));
            else
                joined += (joined.empty() ? "" : ",") + percent_encode(item_text(item));
        }
        if (!explode) add(key + "=" + joined);
    } else if (const auto* object = value.if_object()) {
        std::string joined;
        for (const auto& [field, item] : *object) {
            if (explode)
                add(percent_encode(field) + "=" + percent_encode(item_text(item)));
            else
                joined += (joined.empty() ? "" : ",") + percent_encode(field) + "," + percent_encode(item_text(item));
        }
        if (!explode) add(key + "=" + joined);
    }
    return out;
}

std::optional<Expected<std::string>> base64_field(const json::value& value) {
    const auto* object = value.if_object();
    if (!object || object->size() != 1) return std::nullopt;
    const auto* text = object->if_contains("base64");
    if (!text) return std::nullopt;
    return decode_base64_text(*text);
}

}  // namespace mamute::upstream
