/*
 * A Facet plugin in plain C for the tests of `facet plugins check` and of the host's checks
 * after every effect. Built as it is, it is a good plugin: one effect that hands the motion
 * back unchanged. Each -D flag breaks it in one way:
 *
 *   -DBROKEN_ABI_MAJOR   the table states API version 2
 *   -DBROKEN_NO_ENTRY    the entry function has another name (no facet_plugin_entry)
 *   -DBROKEN_DEFAULT     the parameter's default (5) is outside its range (0...1)
 *   -DBROKEN_NAN         the first "yaw" of the output becomes 1e999 (infinite once decoded)
 *   -DBROKEN_FRAMES      the last frame time of the output is dropped
 *   -DBROKEN_JSON        the first frame's "confidence" key is misspelt (not SceneMotion JSON)
 *   -DBROKEN_FAIL_OUTPUT process() fails with a message and still sets motion_out
 *   -DBROKEN_CRASH       process() raises SIGSEGV
 *   -DBROKEN_LOAD_CRASH  facet_plugin_entry() aborts (SIGABRT)
 *   -DBROKEN_EXIT        process() ends the process with exit(3)
 *   -DBROKEN_HANG        process() never returns
 *
 * cc -shared -fPIC -I Sources/CFacetPlugin/include [-DBROKEN_…] -o libbroken.so broken_plugin.c
 */
#include "facet_plugin.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef BROKEN_DEFAULT
#define STRENGTH_DEFAULT "5"
#else
#define STRENGTH_DEFAULT "0.5"
#endif

static const char *descriptor =
    "{\"id\": \"com.example.broken.pass\", \"version\": {\"major\": 1, \"minor\": 0, \"patch\": 0},"
    " \"summary\": \"Hands the motion back (or breaks it, as built).\","
    " \"parameters\": [{\"name\": \"strength\", \"type\": {\"name\": \"number\"},"
    " \"defaultValue\": {\"number\": " STRENGTH_DEFAULT "}, \"minimum\": 0, \"maximum\": 1,"
    " \"documentation\": \"How strongly nothing happens.\"}],"
    " \"temporalAccess\": {\"kind\": \"perFrame\"}, \"inputs\": []}";

static int instance_token;

static const char *describe(int32_t index) { return index == 0 ? descriptor : NULL; }

static void *create(int32_t index, const char *parameters_json, char **error_out) {
    (void)parameters_json;
    if (index != 0) {
        *error_out = strdup("no such effect");
        return NULL;
    }
    return &instance_token;
}

#if defined(BROKEN_NAN) || defined(BROKEN_FRAMES)
/* A copy of `text` with [start, end) replaced by `insert`. */
static char *splice(const char *text, size_t start, size_t end, const char *insert) {
    size_t length = strlen(text), inserted = strlen(insert);
    char *result = malloc(length - (end - start) + inserted + 1);
    memcpy(result, text, start);
    memcpy(result + start, insert, inserted);
    strcpy(result + start + inserted, text + end);
    return result;
}
#endif

static int32_t process(void *instance, const char *motion_json, const FacetHostContext *context, char **motion_out,
                       char **error_out) {
    (void)instance;
    (void)context;
    (void)error_out;
#if defined(BROKEN_CRASH)
    raise(SIGSEGV);
#elif defined(BROKEN_EXIT)
    exit(3);
#elif defined(BROKEN_HANG)
    for (;;) pause();
#endif
    char *result = strdup(motion_json);
#if defined(BROKEN_NAN)
    /* The value after the first "yaw": becomes 1e999. */
    char *key = strstr(result, "\"yaw\":");
    if (key) {
        size_t start = (size_t)(key - result) + strlen("\"yaw\":");
        size_t end = start + strcspn(result + start, ",}");
        char *edited = splice(result, start, end, "1e999");
        free(result);
        result = edited;
    }
#elif defined(BROKEN_FRAMES)
    /* The last element of "frameTimes":[…] is dropped. */
    char *key = strstr(result, "\"frameTimes\":[");
    if (key) {
        char *open = key + strlen("\"frameTimes\":");
        char *close = strchr(open, ']');
        char *last = close;
        while (last > open && *last != ',') last--;
        size_t start = (size_t)((last > open ? last : open + 1) - result);
        char *edited = splice(result, start, (size_t)(close - result), "");
        free(result);
        result = edited;
    }
#elif defined(BROKEN_JSON)
    char *key = strstr(result, "\"confidence\"");
    if (key) key[9] = 'z';
#endif
    *motion_out = result;
#if defined(BROKEN_FAIL_OUTPUT)
    *error_out = strdup("deliberate failure");
    return 1;
#endif
    return 0;
}

static void destroy(void *instance) { (void)instance; }

static void free_string(char *string) { free(string); }

static const FacetPluginAPI table = {
#ifdef BROKEN_ABI_MAJOR
    .api_version = 2,
#else
    .api_version = FACET_PLUGIN_API_VERSION,
#endif
    .struct_size = sizeof(FacetPluginAPI),
    .effect_count = 1,
    .describe = describe,
    .create = create,
    .process = process,
    .destroy = destroy,
    .free_string = free_string,
    .plugin_id = "com.example.broken",
    .plugin_version = "1.0.0",
    .api_minor = FACET_PLUGIN_API_MINOR,
};

#ifdef BROKEN_NO_ENTRY
const FacetPluginAPI *facet_plugin_entry_misspelt(uint32_t host_api_version) {
#else
const FacetPluginAPI *facet_plugin_entry(uint32_t host_api_version) {
#endif
    (void)host_api_version;
#if defined(BROKEN_LOAD_CRASH)
    abort();
#endif
    return &table;
}
