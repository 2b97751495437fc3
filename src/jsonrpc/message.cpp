#include "jsonrpc/message.hpp"

#include "common/json_duplicates.hpp"

namespace mamute::jsonrpc {

namespace json = boost::json;

namespace {

bool valid_id(const json::value& id) { return id.is_string() || id.is_int64() || id.is_uint64(); }

}  // namespace

Message classify(const json::value& message) {
    if (!message.is_object()) return Invalid{nullptr, "a JSON-RPC message must be an object"};
    const auto& object = message.as_object();

    json::value id = nullptr;
    const auto* id_field = object.if_contains("id");
    if (id_field && valid_id(*id_field)) id = *id_field;

    const auto* version = object.if_contains("jsonrpc");
    if (!version || !version->is_string() || version->as_string() != "2.0")
        return Invalid{id, "\"jsonrpc\" must be \"2.0\""};

    if (const auto* method = object.if_contains("method")) {
        if (!method->is_string()) return Invalid{id, "\"method\" must be a string"};
        json::value params = nullptr;
        if (const auto* p = object.if_contains("params")) {
            if (!p->is_object() && !p->is_array()) return Invalid{id, "\"params\" must be an object or an array"};
            params = *p;
        }
        std::string name(method->as_string());
        if (!id_field) return Notification{std::move(name), std::move(params)};
        if (!valid_id(*id_field)) return Invalid{nullptr, "\"id\" must be a string or an integer"};
        return Request{id, std::move(name), std::move(params)};
    }

    if (id_field && (object.contains("result") || object.contains("error"))) return ClientResponse{id};
    return Invalid{id, "a JSON-RPC message needs \"method\", or \"id\" with \"result\" or \"error\""};
}

std::optional<std::string> duplicate_member_refusal(std::string_view text) {
    auto twice = first_duplicate_key(text);
    if (!twice) return std::nullopt;
    if (twice->size() > 100) twice = twice->substr(0, 100) + "...";
    return "Invalid Request: \"" + *twice + "\" appears twice in one object; send each name once";
}

json::object make_result(const json::value& id, json::value result) {
    // Built on the result's own memory resource, so a result made in an arena is moved, not copied.
    json::object out(result.storage());
    out.reserve(3);
    out.emplace("jsonrpc", "2.0");
    out.emplace("id", id);
    out.emplace("result", std::move(result));
    return out;
}

json::object make_error(const json::value& id, int code, std::string message, json::value data) {
    json::object error{{"code", code}, {"message", std::move(message)}};
    if (!data.is_null()) error["data"] = std::move(data);
    return json::object{{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(error)}};
}

}  // namespace mamute::jsonrpc
