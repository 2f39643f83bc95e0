// Thin shim over FFmpeg 5.1 (Debian 12): the headers Facet uses, plus the macros that do not
// import into Swift turned into constants and inline functions.
#ifndef FACET_CFFMPEG_SHIM_H
#define FACET_CFFMPEG_SHIM_H

#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavfilter/avfilter.h>
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libswscale/swscale.h>
#include <libswresample/swresample.h>
#include <libavutil/avutil.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/channel_layout.h>
#include <libavutil/display.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libavutil/samplefmt.h>

/// AVERROR_EOF: end of stream.
static const int FACET_AVERROR_EOF = AVERROR_EOF;
/// AVERROR(EAGAIN): output not available in this state, feed more input.
static const int FACET_AVERROR_EAGAIN = AVERROR(EAGAIN);
/// AVERROR_INVALIDDATA: invalid data found when processing input.
static const int FACET_AVERROR_INVALIDDATA = AVERROR_INVALIDDATA;
/// AV_NOPTS_VALUE: undefined timestamp.
static const int64_t FACET_AV_NOPTS_VALUE = AV_NOPTS_VALUE;
/// AV_TIME_BASE_Q as a rational.
static inline AVRational facet_av_time_base_q(void) { return (AVRational){1, AV_TIME_BASE}; }

/// av_err2str without the compound literal: writes the message into `buffer`.
static inline const char *facet_av_error_string(int errnum, char *buffer, size_t size) {
    av_strerror(errnum, buffer, size);
    return buffer;
}

/// AVERROR(e) for a POSIX errno value.
static inline int facet_averror(int e) { return AVERROR(e); }

/// Sets a default channel layout of `channels` channels (AV_CHANNEL_LAYOUT_* do not import).
static inline void facet_default_channel_layout(AVChannelLayout *layout, int channels) {
    av_channel_layout_default(layout, channels);
}

#endif
