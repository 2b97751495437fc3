// The JSON log format: one parseable object per line, the request id lifted out of the message.
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <regex>

#include "common/log.hpp"

using namespace mamute;
namespace json = boost::json;

namespace {

json::object format_line(std::string_view message, spdlog::level::level_enum level = spdlog::level::info) {
    auto formatter = log::json_formatter();
    spdlog::details::log_msg msg("http", level, spdlog::string_view_t(message.data(), message.size()));
    spdlog::memory_buf_t out;
    formatter->format(msg, out);
    std::string line(out.data(), out.size());
    REQUIRE(line.ends_with("\n"));
    REQUIRE(line.find('\n') == line.size() - 1);  // exactly one line, whatever the message held
    boost::system::error_code ec;
    auto parsed = json::parse(line, ec);
    INFO(line);
    REQUIRE_FALSE(ec);
    return parsed.as_object();
}

}  // namespace

TEST_CASE("log json: fields, time format and the request id lifted from the prefix") {
    const auto line = format_line("[abc-123] POST /mcp 200");
    CHECK(line.at("level") == "info");
    CHECK(line.at("logger") == "http");
    CHECK(line.at("msg") == "POST /mcp 200");
    CHECK(line.at("request_id") == "abc-123");
    const std::string time(line.at("time").as_string());
    CHECK(std::regex_match(time, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
}

TEST_CASE("log json: messages without a request id, and hostile text, stay valid JSON") {
    auto plain = format_line("listening on http://127.0.0.1:8080/mcp", spdlog::level::warn);
    CHECK(plain.at("level") == "warning");
    CHECK_FALSE(plain.contains("request_id"));

    auto bracketed = format_line("[not an id] text");  // spaces: not a request id
    CHECK_FALSE(bracketed.contains("request_id"));
    CHECK(bracketed.at("msg") == "[not an id] text");

    auto hostile = format_line("[id] quote \" backslash \\ newline \n tab \t control \x01 bad utf8 \xff\xfe end");
    CHECK(hostile.at("request_id") == "id");
    const std::string msg(hostile.at("msg").as_string());
    CHECK(msg.find("quote \" backslash \\ newline \n tab \t control \x01") == 0);
    CHECK(msg.find("\xEF\xBF\xBD\xEF\xBF\xBD end") != std::string::npos);
}
