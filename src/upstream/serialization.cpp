#include "upstream/serialization.hpp"

#include <boost/json/serialize.hpp>
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

std::string form_urlencode(const json::object& fields) {
    std::string out;
    for (const auto& [name, value] : fields) {
        if (value.is_null()) continue;
        out += (out.empty() ? "" : "&") + percent_encode(name) + "=" + percent_encode(item_text(value));
    }
    return out;
}

Expected<EncodedBody> multipart_form(const json::object& fields) {
    struct Part {
        std::string headers;
        std::string content;
    };
    std::vector<Part> parts;
    for (const auto& [name, value] : fields) {
        if (value.is_null()) continue;
        std::string disposition = "Content-Disposition: form-data; name=\"" + disposition_quote(name) + "\"";
        const auto* object = value.if_object();
        const auto* filename = object ? object->if_contains("filename") : nullptr;
        const auto* content = object ? object->if_contains("content") : nullptr;
        if (filename && filename->is_string() && content && content->is_string()) {
            std::string type = "application/octet-stream";
            if (const auto* given = object->if_contains("contentType"); given && given->is_string()) type = given->get_string();
            if (!is_valid_header_value(type)) return make_error("refused: a multipart contentType contains CR, LF or NUL");
            parts.push_back({disposition + "; filename=\"" + disposition_quote(filename->get_string()) +
                                 "\"\r\nContent-Type: " + type + "\r\n",
                             std::string(content->get_string())});
        } else if (auto text = scalar_to_string(value)) {
            parts.push_back({disposition + "\r\n", *text});
        } else {
            parts.push_back({disposition + "\r\nContent-Type: application/json\r\n", json::serialize(value)});
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

}  // namespace mamute::upstream
