#include "upstream/serialization.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

using namespace mamute::upstream;
namespace json = boost::json;

TEST_CASE("path parameter styles follow RFC 6570 as OpenAPI uses it", "[upstream][serialization]") {
    const auto scalar = json::value("blue");
    const auto array = json::parse(R"(["blue","black","brown"])");
    const auto object = json::parse(R"({"R":100,"G":200})");
    CHECK(serialize_path_param("color", "simple", false, scalar) == "blue");
    CHECK(serialize_path_param("color", "simple", false, array) == "blue,black,brown");
    CHECK(serialize_path_param("color", "simple", false, object) == "R,100,G,200");
    CHECK(serialize_path_param("color", "simple", true, object) == "R=100,G=200");
    CHECK(serialize_path_param("color", "label", false, scalar) == ".blue");
    CHECK(serialize_path_param("color", "label", false, array) == ".blue,black,brown");
    CHECK(serialize_path_param("color", "label", true, array) == ".blue.black.brown");
    CHECK(serialize_path_param("color", "label", true, object) == ".R=100.G=200");
    CHECK(serialize_path_param("color", "matrix", false, scalar) == ";color=blue");
    CHECK(serialize_path_param("color", "matrix", false, array) == ";color=blue,black,brown");
    CHECK(serialize_path_param("color", "matrix", true, array) == ";color=blue;color=black;color=brown");
    CHECK(serialize_path_param("color", "matrix", false, object) == ";color=R,100,G,200");
    CHECK(serialize_path_param("color", "matrix", true, object) == ";R=100;G=200");
    // Values are encoded inside every style: a value cannot add a segment or a parameter.
    CHECK(serialize_path_param("id", "matrix", false, json::value("a;b=c/d")) == ";id=a%3Bb%3Dc%2Fd");
    CHECK(serialize_path_param("id", "simple", false, json::parse(R"(["a,b","c"])")) == "a%2Cb,c");
}

TEST_CASE("values typed in a concrete path keep sub-delimiters only", "[upstream][serialization]") {
    CHECK(encode_segment("1,2,3") == "1,2,3");
    CHECK(encode_segment(";id=5") == ";id=5");
    CHECK(encode_segment("a/b?c#d e%") == "a%2Fb%3Fc%23d%20e%25");
    CHECK(encode_segment("über") == "%C3%BCber");
}

TEST_CASE("form bodies", "[upstream][serialization]") {
    CHECK(form_urlencode(json::parse(R"({"a":1,"b":"x y&z","c":null,"d":[1,2]})").as_object()) == "a=1&b=x%20y%26z&d=1&d=2");

    auto form = multipart_form(json::parse(R"({"name":"site","meta":{"k":1},
        "file":{"filename":"index.html","content":"<h1>hi</h1>","contentType":"text/html"}})").as_object());
    REQUIRE(form);
    CHECK(form->content_type == "multipart/form-data; boundary=mamute-form-boundary");
    CHECK(form->body ==
          "--mamute-form-boundary\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nsite\r\n"
          "--mamute-form-boundary\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{\"k\":1}\r\n"
          "--mamute-form-boundary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"index.html\"\r\n"
          "Content-Type: text/html\r\n\r\n<h1>hi</h1>\r\n"
          "--mamute-form-boundary--\r\n");

    auto colliding = multipart_form(json::parse(R"({"a":"--mamute-form-boundary","b\"\r\nX: 1":"v"})").as_object());
    REQUIRE(colliding);
    CHECK(colliding->content_type != "multipart/form-data; boundary=mamute-form-boundary");
    CHECK(colliding->body.find("name=\"b%22%0D%0AX: 1\"") != std::string::npos);
    CHECK_FALSE(multipart_form(json::parse(R"({"f":{"filename":"a","content":"b","contentType":"text/plain\r\nX: 1"}})").as_object()));
}

TEST_CASE("multipart: a bare {base64} field is a part of those bytes, as validation accepts it", "[upstream][serialization]") {
    auto form = multipart_form(json::parse(R"({"blob":{"base64":"AP8="}})").as_object());
    REQUIRE(form);
    CHECK(form->body == "--mamute-form-boundary\r\nContent-Disposition: form-data; name=\"blob\"\r\n"
                        "Content-Type: application/octet-stream\r\n\r\n" + std::string("\x00\xff", 2) +
                        "\r\n--mamute-form-boundary--\r\n");
    CHECK_FALSE(multipart_form(json::parse(R"({"blob":{"base64":"%%"}})").as_object()));
}
