#include "mcp/stateless_request.hpp"

#include <boost/json/serialize.hpp>

#include "common/encoding.hpp"
#include "mcp/protocol_versions.hpp"

namespace mamute::mcp {

namespace json = boost::json;
namespace rpc = jsonrpc::error_code;

namespace {

constexpr std::string_view meta_protocol_version = "io.modelcontextprotocol/protocolVersion";
constexpr std::string_view meta_client_capabilities = "io.modelcontextprotocol/clientCapabilities";
constexpr std::string_view meta_log_level = "io.modelcontextprotocol/logLevel";
constexpr std::string_view meta_server_info = "io.modelcontextprotocol/serverInfo";
// How long clients may cache discover and tools/list results: the tool set is fixed per binary.
constexpr std::int64_t cache_ttl_ms = 3'600'000;

const json::object* meta_of(const json::value& params) {
    const auto* object = params.if_object();
    const auto* meta = object ? object->if_contains("_meta") : nullptr;
    return meta ? meta->if_object() : nullptr;
}

HttpReply refuse(unsigned status, const json::value& id, int code, std::string message, json::value data = nullptr) {
    HttpReply reply;
    reply.status = status;
    reply.body = json::serialize(jsonrpc::make_error(id, code, std::move(message), std::move(data)));
    return reply;
}

bool has_control_characters(std::string_view text) {
    for (unsigned char c : text)
        if (c < 0x20 || c == 0x7F) return true;
    return false;
}

bool known_method(std::string_view method) {
    return method == "server/discover" || method == "tools/list" || method == "tools/call";
}

}  // namespace

bool is_stateless(const IncomingHttp& request, const json::value& message) {
    if (const auto* object = message.if_object()) {
        if (const auto* params = object->if_contains("params"))
            if (const auto* meta = meta_of(*params); meta && meta->contains(meta_protocol_version)) return true;
        if (const auto* method = object->if_contains("method"); method && *method == "initialize") return false;
    }
    if (!request.protocol_version) return false;
    const auto version = trim_whitespace(*request.protocol_version);
    if (is_supported_protocol_version(version)) return false;
    // An unknown revision on a request of a session is a session client's mistake: the session path says
    // which revisions it speaks. Without a session it may be a newer stateless client: the stateless rules answer.
    return version == stateless_protocol_version || !request.session_id;
}

std::optional<std::string> decode_header_value(std::string_view value) {
    value = trim_whitespace(value);
    constexpr std::string_view prefix = "=?base64?", suffix = "?=";
    if (value.size() >= prefix.size() + suffix.size() && value.starts_with(prefix) && value.ends_with(suffix)) {
        auto decoded = mamute::base64_decode(value.substr(prefix.size(), value.size() - prefix.size() - suffix.size()));
        if (!decoded || has_control_characters(*decoded)) return std::nullopt;
        return decoded;
    }
    if (has_control_characters(value)) return std::nullopt;
    return std::string(value);
}

std::variant<StatelessRequest, HttpReply> validate_stateless(const IncomingHttp& request,
                                                             const jsonrpc::Request& call) {
    const auto& id = call.id;
    if (!request.protocol_version)
        return refuse(400, id, stateless_error::header_mismatch,
                      "Header mismatch: MCP-Protocol-Version header is required");

    const auto* meta = meta_of(call.params);
    if (!meta) return refuse(400, id, rpc::invalid_params, "Invalid params: params._meta is required");
    const auto* version = meta->if_contains(meta_protocol_version);
    if (!version || !version->is_string())
        return refuse(400, id, rpc::invalid_params,
                      "Invalid params: _meta[\"" + std::string(meta_protocol_version) + "\"] is required");
    const auto* capabilities = meta->if_contains(meta_client_capabilities);
    if (!capabilities || !capabilities->is_object())
        return refuse(400, id, rpc::invalid_params,
                      "Invalid params: _meta[\"" + std::string(meta_client_capabilities) + "\"] is required");

    const auto header_version = trim_whitespace(*request.protocol_version);
    if (header_version != version->as_string())
        return refuse(400, id, stateless_error::header_mismatch,
                      "Header mismatch: MCP-Protocol-Version header '" + std::string(header_version) +
                          "' does not match _meta protocol version '" + std::string(version->as_string()) + "'");
    if (header_version != stateless_protocol_version)
        return refuse(400, id, stateless_error::unsupported_protocol_version, "Unsupported protocol version",
                      json::object{{"supported", json::array{stateless_protocol_version}},
                                   {"requested", header_version}});

    if (!request.mcp_method)
        return refuse(400, id, stateless_error::header_mismatch, "Header mismatch: Mcp-Method header is required");
    if (trim_whitespace(*request.mcp_method) != call.method)
        return refuse(400, id, stateless_error::header_mismatch,
                      "Header mismatch: Mcp-Method header '" + std::string(trim_whitespace(*request.mcp_method)) +
                          "' does not match body method '" + call.method + "'");

    if (!known_method(call.method))
        return refuse(404, id, rpc::method_not_found, "Method not found: " + call.method);

    if (call.method == "tools/call") {
        const auto* name = call.params.as_object().if_contains("name");
        if (!request.mcp_name)
            return refuse(400, id, stateless_error::header_mismatch, "Header mismatch: Mcp-Name header is required");
        const auto decoded = decode_header_value(*request.mcp_name);
        if (!decoded)
            return refuse(400, id, stateless_error::header_mismatch,
                          "Header mismatch: Mcp-Name header is malformed");
        if (!name || !name->is_string() || *decoded != name->as_string())
            return refuse(400, id, stateless_error::header_mismatch,
                          "Header mismatch: Mcp-Name header '" + *decoded + "' does not match params.name");
    }

    StatelessRequest validated{call, std::nullopt};
    if (const auto* level = meta->if_contains(meta_log_level)) {
        validated.log_level = level->is_string() ? parse_log_level(level->as_string()) : std::nullopt;
        if (!validated.log_level)
            return refuse(400, id, rpc::invalid_params,
                          "Invalid params: _meta[\"" + std::string(meta_log_level) +
                              "\"] must be one of debug, info, notice, warning, error, critical, alert, emergency");
    }
    return validated;
}

void decorate_stateless_result(const std::string& method, json::object& response) {
    auto* result = response.if_contains("result");
    if (!result || !result->is_object()) return;
    auto& object = result->as_object();
    object["resultType"] = "complete";
    if (method == "tools/list" || method == "server/discover") {
        object["ttlMs"] = cache_ttl_ms;
        object["cacheScope"] = "public";  // the same for every caller: no per-key tool sets
    }
    auto& meta = object["_meta"];
    if (!meta.is_object()) meta = json::object{};
    meta.as_object()[meta_server_info] =
        json::object{{"name", "mamute-mcp"}, {"title", "MamuteCloud MCP"}, {"version", MAMUTE_VERSION}};
}

json::object discover_result(const json::object& capabilities, std::string_view instructions) {
    return json::object{{"supportedVersions", json::array{stateless_protocol_version}},
                        {"capabilities", capabilities},
                        {"instructions", instructions}};
}

}  // namespace mamute::mcp
