/*
 * blink_every.c — a Facet effect plugin written in C against facet_plugin.h alone: no Swift,
 * no Facet library, only the header and cJSON (Debian's libcjson-dev) for the JSON forms.
 *
 * blink-every closes both eyes briefly every `interval` seconds, for `duration` seconds. The
 * eyelids are found through the face model description the host sends (face_model_json): its
 * "eyes-closed" control is the direction in the expression space that shuts both eyes, whatever
 * the model (blendshapes or PCA), and "coefficientRange" bounds every coefficient. Without a
 * face model (motion read from a file) the effect warns and leaves the motion as it is.
 *
 * The layout follows the SDK's effect files: parameter table, set-up and validation, per-video
 * processing, teardown, and the registration (the plugin's table and entry function) last.
 */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <cJSON.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facet_plugin.h"

#define EXPORT __attribute__((visibility("default")))
#define PI 3.14159265358979323846

/* ---- Parameter table -------------------------------------------------------------------- */

/* One line per parameter, as `facet effects blink-every` lists it. */
typedef struct ParameterRow {
    const char *name;
    double default_value, minimum, maximum;
    const char *unit;
    const char *documentation;
} ParameterRow;

static const ParameterRow parameter_table[] = {
    {"interval", 4.0, 0.5, 60.0, "s", "Seconds from one blink to the next; the first is one interval in."},
    {"duration", 0.25, 0.05, 2.0, "s", "How long the eyes take to close and open again; shorter than the interval."},
};
enum { INTERVAL, DURATION, PARAMETER_COUNT };

/* The descriptor as the SDK's EffectDescriptor JSON, written once from the table above. */
static char *descriptor_json;
static pthread_once_t descriptor_once = PTHREAD_ONCE_INIT;

static void descriptor_write(void) {
    cJSON *descriptor = cJSON_CreateObject();
    cJSON_AddStringToObject(descriptor, "id", "org.facet.examples.blink-every");
    cJSON *version = cJSON_AddObjectToObject(descriptor, "version");
    cJSON_AddNumberToObject(version, "major", 1);
    cJSON_AddNumberToObject(version, "minor", 0);
    cJSON_AddNumberToObject(version, "patch", 0);
    cJSON_AddStringToObject(descriptor, "summary", "Close both eyes briefly every few seconds (a plugin written in C).");
    cJSON *parameters = cJSON_AddArrayToObject(descriptor, "parameters");
    for (int i = 0; i < PARAMETER_COUNT; i++) {
        const ParameterRow *row = &parameter_table[i];
        cJSON *parameter = cJSON_CreateObject();
        cJSON_AddStringToObject(parameter, "name", row->name);
        cJSON_AddStringToObject(cJSON_AddObjectToObject(parameter, "type"), "name", "number");
        cJSON_AddNumberToObject(cJSON_AddObjectToObject(parameter, "defaultValue"), "number", row->default_value);
        cJSON_AddNumberToObject(parameter, "minimum", row->minimum);
        cJSON_AddNumberToObject(parameter, "maximum", row->maximum);
        cJSON_AddStringToObject(parameter, "unit", row->unit);
        /* Read once for the whole video: the host refuses keyframes before anything runs. */
        cJSON_AddFalseToObject(parameter, "keyframable");
        cJSON_AddStringToObject(parameter, "documentation", row->documentation);
        cJSON_AddItemToArray(parameters, parameter);
    }
    cJSON_AddStringToObject(cJSON_AddObjectToObject(descriptor, "temporalAccess"), "kind", "perFrame");
    cJSON_AddArrayToObject(descriptor, "inputs");
    descriptor_json = cJSON_PrintUnformatted(descriptor);
    cJSON_Delete(descriptor);
}

/* ---- Set-up and validation -------------------------------------------------------------- */

typedef struct BlinkEvery {
    double interval; /* seconds between blink centres */
    double duration; /* seconds from open through closed to open */
} BlinkEvery;

/* A copy of `message` for an out parameter the host frees with free_string(). */
static void hand(char **out, const char *message) {
    if (out) *out = strdup(message);
}

/* The constant number `name` of the parameters JSON ({"interval": {"number": 4}, ...}); a
 * keyframed value is refused with a message, since the blink rhythm is one for the video. */
static int read_constant(const cJSON *parameters, const ParameterRow *row, double *value, char **error_out) {
    const cJSON *entry = cJSON_GetObjectItemCaseSensitive(parameters, row->name);
    if (!entry) {
        *value = row->default_value;
        return 0;
    }
    const cJSON *number = cJSON_GetObjectItemCaseSensitive(entry, "number");
    if (!cJSON_IsNumber(number)) {
        char message[160];
        snprintf(message, sizeof message, "blink-every's %s must be a constant number of seconds; keyframes are not supported", row->name);
        hand(error_out, message);
        return 1;
    }
    *value = number->valuedouble;
    return 0;
}

static void *blink_create(int32_t effect_index, const char *parameters_json, char **error_out) {
    if (effect_index != 0) {
        hand(error_out, "blink-every: effect index out of range; expected 0");
        return NULL;
    }
    cJSON *parameters = cJSON_Parse(parameters_json ? parameters_json : "{}");
    if (!parameters) {
        hand(error_out, "blink-every: the parameters are not valid JSON");
        return NULL;
    }
    BlinkEvery settings;
    int failed = read_constant(parameters, &parameter_table[INTERVAL], &settings.interval, error_out) ||
                 read_constant(parameters, &parameter_table[DURATION], &settings.duration, error_out);
    cJSON_Delete(parameters);
    if (failed) return NULL;
    if (settings.duration >= settings.interval) {
        char message[200];
        snprintf(message, sizeof message,
                 "blink-every's duration %g s must be shorter than its interval %g s, or the eyes would never open", settings.duration,
                 settings.interval);
        hand(error_out, message);
        return NULL;
    }
    BlinkEvery *instance = malloc(sizeof *instance);
    if (!instance) {
        hand(error_out, "blink-every: out of memory");
        return NULL;
    }
    *instance = settings;
    return instance;
}

/* ---- Per-video processing ----------------------------------------------------------------- */

/* How closed the eyes are at `time`: 0 open, 1 shut at the centre of each blink (k × interval,
 * k = 1, 2, …), with a sine ease in and out over `duration`. */
static double closure(const BlinkEvery *blink, double time) {
    double nearest = floor(time / blink->interval + 0.5) * blink->interval;
    if (nearest < blink->interval) nearest = blink->interval;
    double offset = time - nearest;
    if (fabs(offset) >= blink->duration / 2) return 0;
    double s = cos(PI * offset / blink->duration);
    return s * s;
}

/* What the effect needs of the face model: the eyes-closed direction and each coefficient's range. */
typedef struct Eyelids {
    int dimension;
    double *direction;
    double *lower, *upper;
} Eyelids;

static void eyelids_free(Eyelids *lids) {
    free(lids->direction);
    free(lids->lower);
    free(lids->upper);
}

/* Reads the eyelids from the face model JSON; returns a warning when the model has none. */
static const char *eyelids_read(const char *model_json, Eyelids *lids) {
    memset(lids, 0, sizeof *lids);
    cJSON *model = cJSON_Parse(model_json);
    if (!model) return "the host's face model description is not valid JSON; the eyes are left as they are";
    const cJSON *controls = cJSON_GetObjectItemCaseSensitive(model, "controls");
    const cJSON *direction = cJSON_GetObjectItemCaseSensitive(controls, "eyes-closed");
    const cJSON *ranges = cJSON_GetObjectItemCaseSensitive(model, "coefficientRange");
    int dimension = cJSON_GetArraySize(direction);
    if (!cJSON_IsArray(direction) || dimension == 0) {
        cJSON_Delete(model);
        return "the face model has no eyes-closed control, so its eyelids are unknown; the eyes are left as they are";
    }
    lids->dimension = dimension;
    lids->direction = calloc((size_t)dimension, sizeof(double));
    lids->lower = calloc((size_t)dimension, sizeof(double));
    lids->upper = calloc((size_t)dimension, sizeof(double));
    for (int i = 0; i < dimension; i++) {
        lids->direction[i] = cJSON_GetArrayItem(direction, i)->valuedouble;
        const cJSON *range = cJSON_GetArrayItem(ranges, i);
        int bounded = cJSON_GetArraySize(range) == 2;
        lids->lower[i] = bounded ? cJSON_GetArrayItem(range, 0)->valuedouble : -INFINITY;
        lids->upper[i] = bounded ? cJSON_GetArrayItem(range, 1)->valuedouble : INFINITY;
    }
    cJSON_Delete(model);
    return NULL;
}

static void warn(const FacetHostContext *context, const char *message) {
    if (context && context->warn) context->warn(context->host_data, message);
}

/* Adds `closure × eyes-closed` to the expression of every frame of one track, clamped to the
 * model's ranges; returns 0, or 1 when the track's expression has another dimension. */
static int blink_track(const BlinkEvery *blink, const Eyelids *lids, cJSON *track) {
    const cJSON *frames = cJSON_GetObjectItemCaseSensitive(track, "frames");
    cJSON *frame;
    cJSON_ArrayForEach(frame, frames) {
        double time = cJSON_GetObjectItemCaseSensitive(frame, "time")->valuedouble;
        cJSON *coefficients = cJSON_GetObjectItemCaseSensitive(frame, "coefficients");
        cJSON *expression = cJSON_GetObjectItemCaseSensitive(coefficients, "expression");
        if (cJSON_GetArraySize(expression) != lids->dimension) return 1;
        double amount = closure(blink, time);
        if (amount == 0) continue;
        int i = 0;
        cJSON *value;
        cJSON_ArrayForEach(value, expression) {
            double edited = value->valuedouble + amount * lids->direction[i];
            if (edited < lids->lower[i]) edited = lids->lower[i];
            if (edited > lids->upper[i]) edited = lids->upper[i];
            cJSON_SetNumberValue(value, edited);
            i++;
        }
    }
    return 0;
}

/* Makes every number of `item` print exactly. cJSON prints a double with 15 significant digits
 * whenever that reads back "close enough", which moves frame times the host compares bit for
 * bit (and refuses as changed); 17 digits always read back as the same double. */
static int exact_numbers(cJSON *item) {
    for (; item; item = item->next) {
        if (cJSON_IsNumber(item)) {
            char text[32];
            snprintf(text, sizeof text, "%.17g", item->valuedouble);
            char *copy = strdup(text);
            if (!copy) return 1;
            item->type = cJSON_Raw;
            item->valuestring = copy;
        } else if (item->child && exact_numbers(item->child)) {
            return 1;
        }
    }
    return 0;
}

static int32_t blink_process(void *instance, const char *motion_json, const FacetHostContext *context, char **motion_out,
                             char **error_out) {
    const BlinkEvery *blink = instance;
    if (!blink || !motion_json) {
        hand(error_out, "blink-every: process needs an instance and motion; got a null pointer");
        return 1;
    }
    const char *model_json = context && FACET_CONTEXT_HAS(context, face_model_json) ? context->face_model_json : NULL;
    if (!model_json) {
        warn(context, "no face model description from the host (motion without analysis?), so the eyelids are unknown; the eyes are left as they are");
        hand(motion_out, motion_json);
        return 0;
    }
    Eyelids lids;
    const char *problem = eyelids_read(model_json, &lids);
    if (problem) {
        warn(context, problem);
        hand(motion_out, motion_json);
        return 0;
    }
    cJSON *motion = cJSON_Parse(motion_json);
    if (!motion) {
        eyelids_free(&lids);
        hand(error_out, "blink-every: the motion is not valid JSON; expected the SDK's SceneMotion");
        return 1;
    }
    cJSON *track;
    cJSON_ArrayForEach(track, cJSON_GetObjectItemCaseSensitive(motion, "tracks")) {
        if (blink_track(blink, &lids, track)) {
            char message[200];
            snprintf(message, sizeof message, "face %d has expressions of another size than the face model's %d; it is left as it is",
                     cJSON_GetObjectItemCaseSensitive(track, "id")->valueint, lids.dimension);
            warn(context, message);
        }
    }
    eyelids_free(&lids);
    char *text = exact_numbers(motion->child) ? NULL : cJSON_PrintUnformatted(motion);
    cJSON_Delete(motion);
    if (!text) {
        hand(error_out, "blink-every: could not write the motion (out of memory)");
        return 1;
    }
    *motion_out = text;
    return 0;
}

/* ---- Teardown ----------------------------------------------------------------------------- */

static void blink_destroy(void *instance) { free(instance); }

/* Every string handed out (strdup, cJSON_Print) is from malloc. */
static void blink_free_string(char *string) { free(string); }

/* The descriptor lives as long as the library (it is never unloaded). */
static const char *blink_describe(int32_t effect_index) {
    if (effect_index != 0) return NULL;
    pthread_once(&descriptor_once, descriptor_write);
    return descriptor_json;
}

/* ---- Registration ------------------------------------------------------------------------- */

static const FacetPluginAPI table = {
    .api_version = FACET_PLUGIN_API_VERSION,
    .struct_size = sizeof(FacetPluginAPI),
    .effect_count = 1,
    .describe = blink_describe,
    .create = blink_create,
    .process = blink_process,
    .destroy = blink_destroy,
    .free_string = blink_free_string,
    .plugin_id = "org.facet.examples-c",
    .plugin_version = "1.0.0",
    .api_minor = FACET_PLUGIN_API_MINOR,
};

EXPORT const FacetPluginAPI *facet_plugin_entry(uint32_t host_api_version) {
    return host_api_version == FACET_PLUGIN_API_VERSION ? &table : NULL;
}
