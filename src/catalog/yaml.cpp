#include "catalog/yaml.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <map>
#include <sstream>
#include <vector>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

namespace mamute::catalog {

namespace json = boost::json;

namespace {

// Thrown inside the handler; carries the position of the node that broke a limit.
struct LimitError {
    YAML::Mark mark;
    std::string message;
};

bool all_of(std::string_view text, bool (*accept)(char)) {
    return !text.empty() && std::all_of(text.begin(), text.end(), accept);
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_octal(char c) { return c >= '0' && c <= '7'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

std::optional<json::value> integer(std::string_view digits, bool negative, int base) {
    std::uint64_t magnitude = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), magnitude, base);
    if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;  // overflow: a float
    if (!negative) {
        if (magnitude <= static_cast<std::uint64_t>(INT64_MAX)) return json::value(static_cast<std::int64_t>(magnitude));
        return json::value(magnitude);
    }
    if (magnitude <= static_cast<std::uint64_t>(INT64_MAX)) return json::value(-static_cast<std::int64_t>(magnitude));
    if (magnitude == static_cast<std::uint64_t>(INT64_MAX) + 1) return json::value(INT64_MIN);
    return std::nullopt;
}

// [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
bool is_core_float(std::string_view s) {
    std::size_t i = 0;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    std::size_t int_digits = 0, frac_digits = 0;
    while (i < s.size() && is_digit(s[i])) ++i, ++int_digits;
    if (i < s.size() && s[i] == '.') {
        ++i;
        while (i < s.size() && is_digit(s[i])) ++i, ++frac_digits;
        if (int_digits == 0 && frac_digits == 0) return false;
    } else if (int_digits == 0) {
        return false;
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
        std::size_t exp_digits = 0;
        while (i < s.size() && is_digit(s[i])) ++i, ++exp_digits;
        if (exp_digits == 0) return false;
    }
    return i == s.size();
}

}  // namespace

// The YAML 1.2 core schema for a plain scalar. Infinity and NaN have no JSON form: they stay strings.
json::value yaml_core_scalar(std::string_view s) {
    if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
    std::string_view body = s;
    bool negative = false;
    if (body.front() == '-' || body.front() == '+') {
        negative = body.front() == '-';
        body.remove_prefix(1);
    }
    if (all_of(body, is_digit)) {
        if (auto v = integer(body, negative, 10)) return *v;
    } else if (s.size() > 2 && s.starts_with("0o") && all_of(s.substr(2), is_octal)) {
        if (auto v = integer(s.substr(2), false, 8)) return *v;
    } else if (s.size() > 2 && s.starts_with("0x") && all_of(s.substr(2), is_hex)) {
        if (auto v = integer(s.substr(2), false, 16)) return *v;
    }
    if (is_core_float(s)) {
        std::string copy(s[0] == '+' ? s.substr(1) : s);
        char* end = nullptr;
        double d = std::strtod(copy.c_str(), &end);
        if (end == copy.c_str() + copy.size() && std::isfinite(d)) return d;
    }
    return json::string(s);
}

namespace {

class JsonBuilder final : public YAML::EventHandler {
public:
    JsonBuilder(std::size_t max_nodes, std::size_t max_bytes, std::size_t max_depth)
        : max_nodes_(max_nodes), max_bytes_(max_bytes), max_depth_(max_depth) {}

    json::value take() { return std::move(root_); }
    bool done() const { return have_root_; }

    void OnDocumentStart(const YAML::Mark&) override {}
    void OnDocumentEnd() override {}

    void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
        add(mark, nullptr, anchor, {1, 0}, "null");
    }

    void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
        auto found = anchors_.find(anchor);
        if (found == anchors_.end()) throw LimitError{mark, "alias to an anchor that is not defined yet"};
        // The whole copy counts against the budget before it is made.
        add(mark, found->second.first, YAML::NullAnchor, found->second.second, key_text(found->second.first));
    }

    void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  const std::string& text) override {
        json::value value;
        if (tag == "!" || tag == "tag:yaml.org,2002:str") {
            value = json::string(text);  // quoted, block or explicitly a string
        } else {
            value = yaml_core_scalar(text);
            if (tag == "tag:yaml.org,2002:float" && value.is_int64()) value = static_cast<double>(value.get_int64());
        }
        if (tag == "?" && text == "<<") next_key_is_merge_ = true;  // a plain "<<" key: YAML merge
        add_scalar(mark, std::move(value), anchor, text);
    }

    void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                         YAML::EmitterStyle::value) override {
        open(mark, json::array{}, anchor);
    }
    void OnSequenceEnd() override { close(); }

    void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                    YAML::EmitterStyle::value) override {
        open(mark, json::object{}, anchor);
    }
    void OnMapEnd() override { close(); }

private:
    // What a node costs: itself and everything under it, in nodes and in scalar bytes. Both are
    // bounded: an alias to a long string copies the string, however few nodes that takes.
    struct Weight {
        std::size_t nodes;
        std::size_t bytes;
    };

    struct Frame {
        json::value container;
        YAML::anchor_t anchor;
        Weight at_start;
        bool have_key = false;
        std::string key;
        YAML::Mark mark;
        bool key_is_merge = false;
        std::vector<json::object> merges;  // "<<" values, applied at the end (explicit keys win)
    };

    // The text of an aliased scalar used as a mapping key.
    static std::string key_text(const json::value& value) {
        if (const auto* s = value.if_string()) return std::string(*s);
        if (value.is_bool()) return value.get_bool() ? "true" : "false";
        if (value.is_null()) return "null";
        if (value.is_int64()) return std::to_string(value.get_int64());
        if (value.is_uint64()) return std::to_string(value.get_uint64());
        return "";  // floats and collections: collections are refused as keys in add()
    }

    void count(const YAML::Mark& mark, Weight weight) {
        if (weight.nodes > max_nodes_ || total_.nodes > max_nodes_ - weight.nodes)
            throw LimitError{mark, "document expands to more than " + std::to_string(max_nodes_) +
                                       " nodes (aliases repeated too often?)"};
        if (weight.bytes > max_bytes_ || total_.bytes > max_bytes_ - weight.bytes)
            throw LimitError{mark, "document expands to more than " + std::to_string(max_bytes_) +
                                       " bytes of text (aliases repeated too often?)"};
        total_.nodes += weight.nodes;
        total_.bytes += weight.bytes;
    }

    void add_scalar(const YAML::Mark& mark, json::value value, YAML::anchor_t anchor, const std::string& text) {
        add(mark, std::move(value), anchor, {1, text.size()}, text);
    }

    // `key` is the node's text when it is used as a mapping key.
    void add(const YAML::Mark& mark, json::value value, YAML::anchor_t anchor, Weight weight,
             const std::string& key) {
        count(mark, weight);
        if (anchor != YAML::NullAnchor) {
            count(mark, weight);  // the kept copy
            anchors_[anchor] = {value, weight};
        }
        if (stack_.empty()) {
            root_ = std::move(value);
            have_root_ = true;
            return;
        }
        Frame& top = stack_.back();
        if (auto* array = top.container.if_array()) {
            array->push_back(std::move(value));
        } else if (!top.have_key) {
            if (value.is_object() || value.is_array())
                throw LimitError{mark, "mapping keys must be scalars"};
            top.key = value.is_null() && key.empty() ? "null" : key;
            top.have_key = true;
            top.key_is_merge = next_key_is_merge_;
        } else if (top.key_is_merge) {
            // "<<: *base" or "<<: [*a, *b]" (earlier ones win) as YAML 1.1 tools and OpenAPI authors use it.
            if (auto* object = value.if_object()) {
                top.merges.push_back(std::move(*object));
            } else if (auto* list = value.if_array(); list && std::all_of(list->begin(), list->end(), [](const auto& v) {
                                                          return v.is_object();
                                                      })) {
                for (auto& item : *list) top.merges.push_back(std::move(item.as_object()));
            } else {
                throw LimitError{mark, "a \"<<\" merge key needs a mapping or a list of mappings"};
            }
            top.have_key = false;
            top.key_is_merge = false;
        } else {
            top.container.as_object()[top.key] = std::move(value);
            top.have_key = false;
        }
        next_key_is_merge_ = false;
    }

    void open(const YAML::Mark& mark, json::value container, YAML::anchor_t anchor) {
        if (stack_.size() >= max_depth_)
            throw LimitError{mark, "nested deeper than " + std::to_string(max_depth_) + " levels"};
        if (!stack_.empty() && stack_.back().container.is_object() && !stack_.back().have_key)
            throw LimitError{mark, "mapping keys must be scalars"};
        count(mark, {1, 0});
        stack_.push_back(Frame{std::move(container), anchor, total_, false, {}, mark});
    }

    void close() {
        Frame frame = std::move(stack_.back());
        stack_.pop_back();
        if (auto* object = frame.container.if_object()) {
            for (auto& merged : frame.merges)
                for (auto& [key, value] : merged)
                    if (!object->contains(key)) object->emplace(key, std::move(value));
        }
        // The container and all it holds; add() counts the finished whole again, so take it back out first.
        const Weight weight{total_.nodes - frame.at_start.nodes + 1, total_.bytes - frame.at_start.bytes};
        total_.nodes -= weight.nodes;
        total_.bytes -= weight.bytes;
        add(frame.mark, std::move(frame.container), frame.anchor, weight, "");
    }

    std::size_t max_nodes_;
    std::size_t max_bytes_;
    std::size_t max_depth_;
    Weight total_{0, 0};
    std::vector<Frame> stack_;
    std::map<YAML::anchor_t, std::pair<json::value, Weight>> anchors_;
    json::value root_;
    bool have_root_ = false;
    bool next_key_is_merge_ = false;
};

// yaml-cpp quotes the offending input in its messages; raw bytes of a binary file must not reach the log.
std::string printable(std::string_view text) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (c >= 0x20 && c < 0x7F) {
            out.push_back(static_cast<char>(c));
        } else {
            out += "\\x";
            out.push_back(digits[c >> 4]);
            out.push_back(digits[c & 0xF]);
        }
    }
    return out;
}

std::string position(const YAML::Mark& mark) {
    if (mark.is_null()) return "";
    return " at line " + std::to_string(mark.line + 1) + ", column " + std::to_string(mark.column + 1);
}

}  // namespace

std::size_t yaml_node_budget(std::size_t text_size) {
    return std::clamp<std::size_t>(text_size * 8, 1'000'000, 16'000'000);
}

std::size_t yaml_byte_budget(std::size_t text_size) {
    // Specs use aliases sparingly: eight times the file, and never less than 64 MB, is plenty.
    return std::max<std::size_t>(text_size * 8, 64ULL * 1024 * 1024);
}

Expected<json::value> parse_yaml(std::string_view text, const std::string& source, YamlLimits limits) {
    std::size_t max_nodes = limits.max_nodes ? limits.max_nodes : yaml_node_budget(text.size());
    std::istringstream in{std::string(text)};
    JsonBuilder builder(max_nodes, yaml_byte_budget(text.size()), limits.max_depth);
    try {
        YAML::Parser parser(in);
        parser.HandleNextDocument(builder);
    } catch (const LimitError& e) {
        return make_error(source + ": YAML refused" + position(e.mark) + ": " + e.message);
    } catch (const YAML::Exception& e) {
        return make_error(source + ": invalid YAML" + position(e.mark) + ": " + printable(e.msg));
    }
    if (!builder.done()) return make_error(source + ": document is empty");
    return builder.take();
}

}  // namespace mamute::catalog
