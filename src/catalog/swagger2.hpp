#pragma once
// Swagger 2.0 -> an OpenAPI 3.0 document, so read_openapi3() builds the same operation model:
//  - host, basePath and schemes become servers ("https" when no scheme is given); an operation's own
//    schemes give it its own servers;
//  - an "in": "body" parameter becomes requestBody, one media type per "consumes" entry
//    (operation's, else the root's, else application/json);
//  - "in": "formData" parameters become one requestBody object schema, as
//    application/x-www-form-urlencoded or multipart/form-data (when a parameter has "type": "file" or
//    consumes says multipart);
//  - responses get content per "produces" media type; "examples" become per-media-type examples;
//  - "#/parameters/..." and "#/responses/..." references are expanded here; "#/definitions/..."
//    stays valid because the root keys are kept;
//  - securityDefinitions become components.securitySchemes (basic -> http basic, oauth2 flows renamed);
//  - collectionFormat becomes style/explode: csv -> form/simple without explode, multi -> form with
//    explode, ssv -> spaceDelimited, pipes -> pipeDelimited.
// Errors name the source and the JSON pointer in the original Swagger document.
#include <boost/json/value.hpp>
#include <string>

#include "common/expected.hpp"

namespace mamute::catalog {

Expected<boost::json::value> swagger2_to_openapi3(const boost::json::value& document, const std::string& source);

}  // namespace mamute::catalog
