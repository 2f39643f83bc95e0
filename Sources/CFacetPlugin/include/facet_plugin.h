/*
 * facet_plugin.h — the binary contract between the Facet host and effect plugins built
 * separately and loaded at run time. This header is the whole contract; Docs/PluginABI.md
 * documents its JSON forms field by field (with examples a test keeps true), the threading and
 * ownership rules of each function, and the compatibility promise below.
 *
 * API version history (FACET_PLUGIN_API_VERSION):
 *   1  First version: JSON descriptors, JSON parameters, JSON motion in and out, audio as a
 *      float array, warnings through a host callback.
 *      Later additions (same version, detected by struct_size):
 *      - FacetHostContext.face_model_json;
 *      - FacetHostContext.driving_inputs and driving_input_count, with FacetDrivingInput (Facet
 *        0.8): the analysed motion (and audio) of each driving-input parameter (a parameter
 *        whose descriptor has "role": "driving-input"); the face model JSON gained "regions".
 *      - FacetHostContext.speech_json (Facet 0.9): the timed phones, words and loudness of the
 *        effect's audio, for an effect whose descriptor's "inputs" include "speech", as the SDK's
 *        SpeechInput JSON; the descriptor JSON may carry parameters with "role": "transcript".
 *        JSON rather than C arrays because phones carry strings (symbol, word) and the form grows
 *        by fields the way the other JSON forms do.
 *      - FacetPluginAPI.plugin_id, plugin_version and api_minor (Facet 0.10): the plugin's
 *        identity as plain C strings, readable before any JSON is exchanged; a host reads them
 *        only when the table's struct_size covers them (FACET_API_HAS below) and otherwise
 *        names the plugin by its library file.
 *      - A parameter in the descriptor JSON may carry "keyframable": false (Facet 0.10): a
 *        number the effect reads once for the whole video; the host refuses keyframes for it.
 *        Absent means what it meant before (numbers take keyframes); an older host ignores the
 *        field and the plugin's own validation refuses the keyframes instead.
 *      The version stays 1 for these: the host refuses a table of another version, so a bump
 *      would refuse every plugin built before it. A plugin built against an older header never
 *      reads past the fields it knows, so a larger context does not disturb it; a plugin built
 *      against this header reads each added field only when the host's struct_size covers it
 *      (FACET_CONTEXT_HAS below). FACET_PLUGIN_API_MINOR counts these additions (1 the face
 *      model, 2 driving inputs, 3 speech, 4 plugin identity in the table) for plugins that compile against several headers; it
 *      is never checked at run time.
 *
 * Why JSON and plain C: Swift has no stable ABI on Linux, and two copies of a Swift module in
 * one process break type casts. Nothing Swift crosses this boundary, so the host and each
 * plugin link their own copy of the effect SDK, and plugins may be written in any language
 * that exports a C function. The JSON forms are those of the SDK's Codable types
 * (EffectDescriptor, ParameterValue, SceneMotion, DrivingInput, FaceModelDescription); fields are
 * only ever added.
 *
 * Lifecycle:
 *   1. The host dlopen()s the library (RTLD_NOW | RTLD_LOCAL) and looks up the one entry symbol
 *      FACET_PLUGIN_ENTRY_SYMBOL. It calls it with its own API version. The plugin returns its
 *      FacetPluginAPI table (static lifetime), or NULL when it cannot serve that host version.
 *   2. The host refuses a table whose api_version differs from its own, naming both versions,
 *      and a table smaller than FACET_PLUGIN_API_FIRST_SIZE. The promise that follows: a plugin
 *      built against any 1.x header loads and runs in every host of version 1, older or newer;
 *      fields are only ever added at the end of a struct, each side reads the other's added
 *      fields only when struct_size covers them, and JSON forms only gain fields. A change that
 *      cannot keep this promise raises FACET_PLUGIN_API_VERSION, and such a host refuses every
 *      plugin of another version with both versions in the message.
 *      Identity: with a table that covers them, plugin_id, plugin_version and api_minor name
 *      the plugin before any JSON is exchanged (facet plugins info reads only these).
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

/** The additions to FacetHostContext within version 1 this header has (see the history above);
 *  informative for #if, never exchanged or checked: struct_size says what a host sends. */
#define FACET_PLUGIN_API_MINOR 4u

/** The name of the one function a plugin exports, of type FacetPluginEntryFunction. */
#define FACET_PLUGIN_ENTRY_SYMBOL "facet_plugin_entry"

/** A driving input the host prepared for one of the effect's driving-input parameters: the file
 *  it names, analysed with the source's face model. Everything it points to is owned by the host
 *  and valid only during the process() call that received it. */
typedef struct FacetDrivingInput {
    /** sizeof(FacetDrivingInput) as the host compiled it; read later fields only when covered. */
    uint32_t struct_size;
    /** The parameter's name, e.g. "driver". */
    const char *parameter;
    /** The SDK's DrivingInput as JSON: {"path": "/abs/talk.mp4", "kind": "video" | "still" |
     *  "motion-file", "motion": SceneMotion in the driver's own time}. */
    const char *input_json;
    /** The driver's mono samples in [-1, 1] when the effect asked for "driving-audio" and the
     *  driver has sound; NULL otherwise. */
    const float *audio_samples;
    /** Number of samples in audio_samples. */
    int64_t audio_sample_count;
    /** Samples per second of audio_samples (16000). */
    int32_t audio_sample_rate;
    /** Driver time in seconds of the first sample. */
    double audio_start_time;
} FacetDrivingInput;

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
    /** The face model as JSON (the SDK's FaceModelDescription: expression names, named
     *  controls, coefficient ranges), or NULL when the host knows none. Added after the first
     *  release: read it only when struct_size covers it. */
    const char *face_model_json;
    /** The effect's driving inputs, one per driving-input parameter given a file (none for an
     *  empty one), or NULL when there are none. Added after the first release: read these two
     *  fields only when struct_size covers driving_input_count. */
    const FacetDrivingInput *const *driving_inputs;
    /** Number of entries in driving_inputs. */
    int32_t driving_input_count;
    /** The speech of the effect's audio as JSON (the SDK's SpeechInput):
     *  {"method": "alignment" | "recognition" | "loudness",
     *   "phones": [{"symbol": "HH", "start": 0.31, "end": 0.38, "word": "hello"}, ...],
     *   "words": [{"text": "hello", "start": 0.31, "end": 0.72}, ...],
     *   "loudness": [0.0, 0.02, ...], "loudnessRate": 100, "startTime": 0, "duration": 2.4}
     *  Times are seconds on the video's timeline; "SIL" is silence; "word" is absent when unknown.
     *  NULL when the effect did not declare "speech" or there is no audio. Added after the first
     *  release: read it only when FACET_CONTEXT_HAS(context, speech_json). */
    const char *speech_json;
} FacetHostContext;

/** Whether a context from the host covers `field` (the host may be older than this header). */
#define FACET_CONTEXT_HAS(context, field) \
    ((context)->struct_size >= offsetof(FacetHostContext, field) + sizeof((context)->field))

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
    /* Everything above is the first release's table, which every host requires; the fields
     * below were added later and are read only when FACET_API_HAS(table, field). */
    /** The plugin's id, reverse-DNS like its effects' ids (e.g. "com.example.gaze"); static. */
    const char *plugin_id;
    /** The plugin's version, "major.minor.patch" (semantic versioning); static. */
    const char *plugin_version;
    /** FACET_PLUGIN_API_MINOR as the plugin compiled it: the additions it knows of. */
    uint32_t api_minor;
} FacetPluginAPI;

/** Whether a plugin's table covers `field` (the plugin may be older than this header). */
#define FACET_API_HAS(table, field) \
    ((table)->struct_size >= offsetof(FacetPluginAPI, field) + sizeof((table)->field))

/** The size of the first release's table: the least a host accepts. */
#define FACET_PLUGIN_API_FIRST_SIZE (offsetof(FacetPluginAPI, free_string) + sizeof(void (*)(char *)))

/** The entry function's type: returns the table, or NULL for an unsupported host version. */
typedef const FacetPluginAPI *(*FacetPluginEntryFunction)(uint32_t host_api_version);

#ifdef __cplusplus
}
#endif

#endif
