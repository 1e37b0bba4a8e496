// Private to the replay path: RapidJSON with its assertions made non-fatal (malformed input must
// never abort the process) and its warnings silenced.
#pragma once

#ifndef RAPIDJSON_ASSERT
#define RAPIDJSON_ASSERT(x) static_cast<void>(0)
#endif

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wold-style-cast"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wclass-memaccess"
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#pragma GCC diagnostic pop
