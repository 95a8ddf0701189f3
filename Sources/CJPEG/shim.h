#include <stdio.h>
#include <setjmp.h>
#include <jpeglib.h>
#include <jerror.h>

/*
 * The only C code in ticd, and why it exists: libjpeg reports a fatal error by calling error_exit, which must
 * not return, and Swift cannot setjmp/longjmp. So every libjpeg call that can fail goes through one of the
 * wrappers below, which sets a jump point and returns 0 when libjpeg jumps back to it (1 on success); the
 * formatted libjpeg message is then in ticd_jpeg_error.message. Warnings (corrupt data, "Premature end of
 * JPEG file", after which libjpeg would invent the missing rows) jump back too, so they fail like errors.
 * All other logic lives in Sources/Timeline/JPEG.swift.
 */

typedef struct ticd_jpeg_error {
    struct jpeg_error_mgr pub;      /* first, so cinfo->err can be cast back to the whole struct */
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
} ticd_jpeg_error;

static inline void ticd_jpeg_fail(j_common_ptr cinfo) {
    ticd_jpeg_error *e = (ticd_jpeg_error *)cinfo->err;
    cinfo->err->format_message(cinfo, e->message);
    longjmp(e->jump, 1);
}

static inline void ticd_jpeg_emit_message(j_common_ptr cinfo, int msg_level) {
    if (msg_level < 0) ticd_jpeg_fail(cinfo);   /* a warning; trace messages (level >= 0) are ignored */
}

/* Each wrapper needs its own setjmp: the jump target must be a frame that is live during the libjpeg call. */
#define TICD_JPEG_TRY(cinfo, call) do { \
        if (setjmp(((ticd_jpeg_error *)(cinfo)->err)->jump)) return 0; \
        call; \
        return 1; \
    } while (0)

static inline int ticd_jpeg_create_decompress(j_decompress_ptr cinfo, ticd_jpeg_error *e) {
    cinfo->err = jpeg_std_error(&e->pub);
    e->pub.error_exit = ticd_jpeg_fail;
    e->pub.emit_message = ticd_jpeg_emit_message;
    e->message[0] = 0;
    TICD_JPEG_TRY(cinfo, jpeg_create_decompress(cinfo));
}

static inline int ticd_jpeg_read_header(j_decompress_ptr cinfo, const unsigned char *data, unsigned long size) {
    TICD_JPEG_TRY(cinfo, { jpeg_mem_src(cinfo, data, size); jpeg_read_header(cinfo, TRUE); });
}

static inline int ticd_jpeg_start_decompress(j_decompress_ptr cinfo) {
    TICD_JPEG_TRY(cinfo, jpeg_start_decompress(cinfo));
}

static inline int ticd_jpeg_read_scanlines(j_decompress_ptr cinfo, JSAMPARRAY rows, JDIMENSION max_lines,
                                           JDIMENSION *lines_read) {
    TICD_JPEG_TRY(cinfo, *lines_read = jpeg_read_scanlines(cinfo, rows, max_lines));
}

static inline int ticd_jpeg_finish_decompress(j_decompress_ptr cinfo) {
    TICD_JPEG_TRY(cinfo, jpeg_finish_decompress(cinfo));
}

static inline int ticd_jpeg_create_compress(j_compress_ptr cinfo, ticd_jpeg_error *e) {
    cinfo->err = jpeg_std_error(&e->pub);
    e->pub.error_exit = ticd_jpeg_fail;
    e->pub.emit_message = ticd_jpeg_emit_message;
    e->message[0] = 0;
    TICD_JPEG_TRY(cinfo, jpeg_create_compress(cinfo));
}

/* Expects image_width, image_height, input_components and in_color_space to be set already. */
static inline int ticd_jpeg_start_compress(j_compress_ptr cinfo, int quality, unsigned char **out,
                                           unsigned long *out_size) {
    TICD_JPEG_TRY(cinfo, {
        jpeg_set_defaults(cinfo);
        jpeg_set_quality(cinfo, quality, TRUE);
        jpeg_mem_dest(cinfo, out, out_size);
        jpeg_start_compress(cinfo, TRUE);
    });
}

static inline int ticd_jpeg_write_scanlines(j_compress_ptr cinfo, JSAMPARRAY rows, JDIMENSION count) {
    TICD_JPEG_TRY(cinfo, jpeg_write_scanlines(cinfo, rows, count));
}

static inline int ticd_jpeg_finish_compress(j_compress_ptr cinfo) {
    TICD_JPEG_TRY(cinfo, jpeg_finish_compress(cinfo));
}
