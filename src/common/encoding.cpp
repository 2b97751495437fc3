#include "common/encoding.hpp"

#include <cstdint>

namespace mamute {

namespace {

constexpr std::string_view standard_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view url_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

}  // namespace

std::string base64_encode(std::string_view data, Base64Alphabet alphabet) {
    const auto symbols = alphabet == Base64Alphabet::url ? url_alphabet : standard_alphabet;
    const bool pad = alphabet == Base64Alphabet::standard;
    std::string out;
    out.reserve((data.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < data.size(); i += 3) {
        std::uint32_t chunk = static_cast<std::uint32_t>(static_cast<unsigned char>(data[i])) << 16;
        if (i + 1 < data.size()) chunk |= static_cast<std::uint32_t>(static_cast<unsigned char>(data[i + 1])) << 8;
        if (i + 2 < data.size()) chunk |= static_cast<unsigned char>(data[i + 2]);
        out += symbols[chunk >> 18 & 63];
        out += symbols[chunk >> 12 & 63];
        if (i + 1 < data.size()) out += symbols[chunk >> 6 & 63];
        else if (pad) out += '=';
        if (i + 2 < data.size()) out += symbols[chunk & 63];
        else if (pad) out += '=';
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view text, Base64Alphabet alphabet) {
    const auto symbols = alphabet == Base64Alphabet::url ? url_alphabet : standard_alphabet;
    std::string out;
    std::uint32_t bits = 0;
    int count = 0;
    std::size_t padding = 0;
    for (char c : text) {
        if (c == '=' && alphabet == Base64Alphabet::standard) {
            ++padding;
            continue;
        }
        const auto value = symbols.find(c);
        if (value == std::string_view::npos || padding) return std::nullopt;
        bits = bits << 6 | static_cast<std::uint32_t>(value);
        count += 6;
        if (count >= 8) {
            count -= 8;
            out.push_back(static_cast<char>(bits >> count & 0xFF));
        }
    }
    if (padding > 2 || (padding && text.size() % 4 != 0) || text.size() % 4 == 1) return std::nullopt;
    return out;
}

std::string hex_encode(std::string_view data) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(data.size() * 2);
    for (unsigned char c : data) {
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 0xF]);
    }
    return out;
}

std::string_view trim_whitespace(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

std::string ascii_lower(std::string_view text) {
    std::string out(text);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string ascii_upper(std::string_view text) {
    std::string out(text);
    for (auto& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

std::size_t utf8_sequence_length(std::string_view text, std::size_t at) {
    const auto c = static_cast<unsigned char>(text[at]);
    std::size_t length = 0;  // continuation bytes
    unsigned char low = 0x80, high = 0xBF;  // the range of the first continuation byte
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) length = 1;
    else if (c == 0xE0) { length = 2; low = 0xA0; }
    else if (c == 0xED) { length = 2; high = 0x9F; }
    else if (c >= 0xE1 && c <= 0xEF) length = 2;
    else if (c == 0xF0) { length = 3; low = 0x90; }
    else if (c == 0xF4) { length = 3; high = 0x8F; }
    else if (c >= 0xF1 && c <= 0xF3) length = 3;
    else return 0;
    if (at + length >= text.size()) return 0;  // cut short
    for (std::size_t k = 1; k <= length; ++k) {
        const auto next = static_cast<unsigned char>(text[at + k]);
        if (next < (k == 1 ? low : 0x80) || next > (k == 1 ? high : 0xBF)) return 0;
    }
    return length + 1;
}

}  // namespace mamute
