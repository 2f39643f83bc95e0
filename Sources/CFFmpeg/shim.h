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
/// AVERROR_*_NOT_FOUND: no such encoder, decoder, muxer or demuxer in this build.
static const int FACET_AVERROR_ENCODER_NOT_FOUND = AVERROR_ENCODER_NOT_FOUND;
static const int FACET_AVERROR_DECODER_NOT_FOUND = AVERROR_DECODER_NOT_FOUND;
static const int FACET_AVERROR_MUXER_NOT_FOUND = AVERROR_MUXER_NOT_FOUND;
static const int FACET_AVERROR_DEMUXER_NOT_FOUND = AVERROR_DEMUXER_NOT_FOUND;
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

/// AV_FRAME_FLAG_CORRUPT: the decoder flagged the frame as possibly corrupt.
static const int FACET_AV_FRAME_FLAG_CORRUPT = AV_FRAME_FLAG_CORRUPT;
/// FF_COMPLIANCE_NORMAL, for avformat_query_codec.
static const int FACET_FF_COMPLIANCE_NORMAL = FF_COMPLIANCE_NORMAL;
/// AV_LOG_* levels (macros with negative values import unreliably).
static const int FACET_AV_LOG_QUIET = AV_LOG_QUIET;
static const int FACET_AV_LOG_FATAL = AV_LOG_FATAL;
static const int FACET_AV_LOG_ERROR = AV_LOG_ERROR;
static const int FACET_AV_LOG_WARNING = AV_LOG_WARNING;
static const int FACET_AV_LOG_INFO = AV_LOG_INFO;
static const int FACET_AV_LOG_DEBUG = AV_LOG_DEBUG;

/// sws_scale from all planes of `src` into one packed image at `dst` (row stride `dst_stride`).
static inline int facet_sws_scale_to_packed(struct SwsContext *c, const AVFrame *src,
                                            uint8_t *dst, int dst_stride) {
    uint8_t *planes[4] = { dst, NULL, NULL, NULL };
    int strides[4] = { dst_stride, 0, 0, 0 };
    return sws_scale(c, (const uint8_t *const *)src->data, src->linesize, 0, src->height,
                     planes, strides);
}

/// sws_scale from one packed image at `src` (row stride `src_stride`, `height` rows) into `dst`.
static inline int facet_sws_scale_from_packed(struct SwsContext *c, const uint8_t *src,
                                              int src_stride, int height, AVFrame *dst) {
    const uint8_t *planes[4] = { src, NULL, NULL, NULL };
    int strides[4] = { src_stride, 0, 0, 0 };
    return sws_scale(c, planes, strides, 0, height, dst->data, dst->linesize);
}

/// av_audio_fifo_write of all samples of `frame`.
static inline int facet_audio_fifo_write_frame(AVAudioFifo *fifo, const AVFrame *frame) {
    return av_audio_fifo_write(fifo, (void **)frame->extended_data, frame->nb_samples);
}

/// av_audio_fifo_read of `count` samples into `frame` (whose buffers hold at least that many).
static inline int facet_audio_fifo_read_frame(AVAudioFifo *fifo, AVFrame *frame, int count) {
    return av_audio_fifo_read(fifo, (void **)frame->extended_data, count);
}

#endif
