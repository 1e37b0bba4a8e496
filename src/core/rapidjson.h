// The one place RapidJSON is included (reader, DOM, writer, error messages), so every use agrees
// on its configuration: assertions made non-fatal (malformed input must never abort the process)
// and the library's own warnings silenced.
#pragma once

#ifndef RAPIDJSON_ASSERT
// RapidJSON 1.1.0 asserts internal invariants, one of which ("error can only be assigned once")
// is reachable from malformed input in the iterative parser. Never abort on input.
#define RAPIDJSON_ASSERT(x) static_cast<void>(0)
#endif

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wold-style-cast"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#pragma GCC diagnostic ignored "-Wpedantic"
#ifndef __clang__
#pragma GCC diagnostic ignored "-Wclass-memaccess"  // GCC only
#endif
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#pragma GCC diagnostic pop
