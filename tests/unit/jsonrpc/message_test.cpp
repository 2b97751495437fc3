#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include "jsonrpc/message.hpp"

using namespace mamute::jsonrpc;
namespace json = boost::json;

TEST_CASE("jsonrpc: a request has an id, a method and optional params") {
    auto message = classify(json::parse(R"({"jsonrpc":"2.0","id":7,"method":"ping"})"));
    auto* request = std::get_if<Request>(&message);
    REQUIRE(request);
    CHECK(request->id == json::value(7));
    CHECK(request->method == "ping");
    CHECK(request->params.is_null());
}

TEST_CASE("jsonrpc: a message without id is a notification") {
    auto message = classify(json::parse(R"({"jsonrpc":"2.0","method":"notifications/initialized"})"));
    auto* notification = std::get_if<Notification>(&message);
    REQUIRE(notification);
    CHECK(notification->method == "notifications/initialized");
}

TEST_CASE("jsonrpc: a client's result or error is a response") {
    CHECK(std::holds_alternative<ClientResponse>(classify(json::parse(R"({"jsonrpc":"2.0","id":"a","result":{}})"))));
    CHECK(std::holds_alternative<ClientResponse>(
        classify(json::parse(R"({"jsonrpc":"2.0","id":1,"error":{"code":1,"message":"x"}})"))));
}

TEST_CASE("jsonrpc: malformed messages are invalid, keeping the id when it can be read") {
    auto no_version = classify(json::parse(R"({"id":3,"method":"ping"})"));
    REQUIRE(std::holds_alternative<Invalid>(no_version));
    CHECK(std::get<Invalid>(no_version).id == json::value(3));

    CHECK(std::holds_alternative<Invalid>(classify(json::parse(R"({"jsonrpc":"1.0","id":1,"method":"ping"})"))));
    CHECK(std::holds_alternative<Invalid>(classify(json::parse(R"({"jsonrpc":"2.0","id":1,"method":5})"))));
    CHECK(std::holds_alternative<Invalid>(classify(json::parse(R"({"jsonrpc":"2.0","id":null,"method":"ping"})"))));
    CHECK(std::holds_alternative<Invalid>(classify(json::parse(R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})"))));
    CHECK(std::holds_alternative<Invalid>(
        classify(json::parse(R"({"jsonrpc":"2.0","id":1,"method":"x","params":"str"})"))));
    CHECK(std::holds_alternative<Invalid>(classify(json::parse(R"([1,2])"))));
    CHECK(std::holds_alternative<Invalid>(classify(json::parse(R"({"jsonrpc":"2.0","id":1})"))));
}

TEST_CASE("jsonrpc: replies carry the id") {
    auto result = make_result("x", json::object{{"ok", true}});
    CHECK(result.at("id") == "x");
    CHECK(result.at("result").at("ok") == true);
    auto error = make_error(nullptr, error_code::parse_error, "Parse error");
    CHECK(error.at("id").is_null());
    CHECK(error.at("error").at("code") == -32700);
    CHECK_FALSE(error.at("error").as_object().contains("data"));
}
