/*
 * facet_plugin.h — the binary contract between the Facet host and effect plugins built
 * separately and loaded at run time. This header is the whole contract.
 *
 * API version history (FACET_PLUGIN_API_VERSION):
 *   1  First version: JSON descriptors, JSON parameters, JSON motion in and out, audio as a
 *      float array, warnings through a host callback.
 *
 * Why JSON and plain C: Swift has no stable ABI on Linux, and two copies of a Swift module in
 * one process break type casts. Nothing Swift crosses this boundary, so the host and each
 * plugin link their own copy of the effect SDK, and plugins may be written in any language
 * that exports a C function. The JSON forms are those of the SDK's Codable types
 * (EffectDescriptor, ParameterValue, SceneMotion); fields are only ever added.
 *
 * Lifecycle:
 *   1. The host dlopen()s the library (RTLD_NOW | RTLD_LOCAL) and looks up the one entry symbol
 *      FACET_PLUGIN_ENTRY_SYMBOL. It calls it with its own API version. The plugin returns its
 *      FacetPluginAPI table (static lifetime), or NULL when it cannot serve that host version.
 *   2. The host refuses a table whose api_version differs from its own, naming both versions.
 *   3. describe(i) for 0 <= i < effect_count returns effect i's descriptor as JSON; the string
 *      is owned by the plugin and lives as long as the library. No instance is needed.
 *   4. create(i, parameters_json, &error) returns an instance, or NULL with *error set to a
 *      message the host shows. parameters_json maps parameter names to values, already
 *      validated by the host against the descriptor, defaults filled in.
 *   5. process(instance, motion_json, context, &motion_out, &error) returns 0 and sets
 *      *motion_out to the transformed motion, or returns non-zero and sets *error.
 *      An instance is used from one thread at a time.
 *   6. destroy(instance) frees an instance. Strings the plugin returned through an out
 *      parameter are released with free_string().
 *   7. The library is never unloaded (dlclose of Swift code is unsafe).
 */
#ifndef FACET_PLUGIN_H
#define FACET_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The plugin API version this header describes. */
#define FACET_PLUGIN_API_VERSION 1u

/** The name of the one function a plugin exports, of type FacetPluginEntryFunction. */
#define FACET_PLUGIN_ENTRY_SYMBOL "facet_plugin_entry"

/** What the host gives an effect while it processes: audio and a way to warn the user. */
typedef struct FacetHostContext {
    /** sizeof(FacetHostContext) as the host compiled it. */
    uint32_t struct_size;
    /** Mono samples in [-1, 1], or NULL when the effect did not ask for audio or there is none. */
    const float *audio_samples;
    /** Number of samples in audio_samples. */
    int64_t audio_sample_count;
    /** Samples per second of audio_samples (16000). */
    int32_t audio_sample_rate;
    /** Video time in seconds of the first sample. */
    double audio_start_time;
    /** Opaque host data to pass back to warn(). */
    void *host_data;
    /** Shows a warning to the user; the message is copied by the host. */
    void (*warn)(void *host_data, const char *message);
} FacetHostContext;

/** The table a plugin returns from its entry function; static lifetime. */
typedef struct FacetPluginAPI {
    /** FACET_PLUGIN_API_VERSION as the plugin compiled it. */
    uint32_t api_version;
    /** sizeof(FacetPluginAPI) as the plugin compiled it. */
    uint32_t struct_size;
    /** How many effects this library provides. */
    int32_t effect_count;
    /** Effect i's descriptor as JSON (owned by the plugin). */
    const char *(*describe)(int32_t effect_index);
    /** A new instance of effect i, or NULL with *error_out set. */
    void *(*create)(int32_t effect_index, const char *parameters_json, char **error_out);
    /** Transforms motion: 0 and *motion_out on success, non-zero and *error_out on failure. */
    int32_t (*process)(void *instance, const char *motion_json, const FacetHostContext *context,
                       char **motion_out, char **error_out);
    /** Frees an instance made by create(). */
    void (*destroy)(void *instance);
    /** Frees a string the plugin returned through an out parameter. */
    void (*free_string)(char *string);
} FacetPluginAPI;

/** The entry function's type: returns the table, or NULL for an unsupported host version. */
typedef const FacetPluginAPI *(*FacetPluginEntryFunction)(uint32_t host_api_version);

#ifdef __cplusplus
}
#endif

#endif
