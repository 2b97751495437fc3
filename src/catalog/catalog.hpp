#pragma once
// The operation model every tool works from: loaded once at start-up, immutable afterwards,
// shared by all threads without locks.
#include <boost/json/value.hpp>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"

namespace mamute::search {
class SearchIndex;  // src/search/ranker.hpp: built once per spec at load time
}

namespace mamute::catalog {

struct ServerVariable {
    std::string name;
    std::string default_value;
    std::string description;
    std::vector<std::string> enum_values;
};

struct Server {
    std::string url;  // as written in the spec, may contain {variables}
    std::string description;
    std::vector<ServerVariable> variables;
};

struct Parameter {
    std::string name;
    std::string in;  // path, query, header, cookie
    std::string description;
    bool required = false;
    std::string style;     // effective style (defaults applied per location)
    bool explode = false;  // effective explode
    bool allow_reserved = false;
    boost::json::value schema;   // $refs resolved (cycles shown as {"$ref": "...", "x-circular": true})
    boost::json::value example;  // null when absent
};

struct Operation {
    std::string method;  // lower case: get, put, post, delete, options, head, patch, trace
    std::string path;    // template as in the spec: /cdn/resource/{id}
    std::string operation_id;
    std::string summary;
    std::string description;
    std::vector<std::string> tags;
    std::vector<Parameter> parameters;  // path-level parameters merged in
    boost::json::value request_body;    // resolved requestBody object, null when none
    boost::json::value responses;       // resolved responses object
    boost::json::value security;        // effective security requirements (operation or root); null: none declared
    std::vector<Server> servers;        // effective servers (operation, path or root level)
    bool deprecated = false;
};

// A top-level tag: its order in the document decides the order list-endpoints groups by.
struct Tag {
    std::string name;
    std::string description;
};

// A concrete request path matched against an operation's template.
struct PathMatch {
    const Operation* operation = nullptr;
    std::map<std::string, std::string> path_params;  // decoded values
};

struct Spec {
    std::string title;
    std::string version;
    std::string description;
    std::string source;           // file it came from
    std::string openapi_version;  // "3.1.0", "3.0.3", "2.0"
    std::vector<Server> servers;  // root servers
    std::vector<Operation> operations;
    boost::json::object security_schemes;  // components.securitySchemes (Swagger 2.0: securityDefinitions, translated)
    boost::json::value document;           // the raw document, for pointer look-ups (Swagger 2.0: its OpenAPI 3 translation)
    std::vector<Tag> tags;                 // top-level tags, in document order
    // Immutable keyword index over `operations` (positions are indexes into that vector).
    std::shared_ptr<const search::SearchIndex> search_index;

    const Operation* find_operation(std::string_view method, std::string_view path_template) const;
    // Matches a concrete path (/cdn/resource/42) against the templates; literal segments win
    // over parameters, so /cdn/resource/check-distribution-name is not {id}.
    std::optional<PathMatch> match_path(std::string_view method, std::string_view concrete_path) const;
};

struct Catalog {
    std::vector<std::shared_ptr<const Spec>> specs;

    // Empty title is accepted when exactly one spec is loaded.
    Expected<const Spec*> find(std::string_view title) const;
};

// Documents larger than this are refused before parsing.
inline constexpr std::size_t max_document_bytes = 64u * 1024u * 1024u;

// Parses one OpenAPI 3.0/3.1 or Swagger 2.0 document, JSON or YAML. Errors name the source and the
// JSON pointer (or, for syntax errors, the line and column).
Expected<Spec> load_spec(std::string_view text, const std::string& source);
Expected<Spec> load_spec_file(const std::string& path);

// One spec file that could not be used, and why (the message names the file and the JSON pointer).
struct SpecLoadError {
    std::string file;
    std::string message;
};

struct CatalogLoad {
    Catalog catalog;                    // every spec that loaded
    std::vector<SpecLoadError> errors;  // every one that did not, in the order given
};

// Loads what it can: each path is a file, or a folder whose .json, .yaml and .yml files are loaded
// in name order. A spec whose title an earlier one already has is reported, not loaded.
CatalogLoad load_catalog_report(const std::vector<std::string>& paths);

// All or nothing: the first error of load_catalog_report(), if any.
Expected<Catalog> load_catalog(const std::vector<std::string>& files);

}  // namespace mamute::catalog
