//! Images as Polyaxon's `log_image` writes them (`traceml/processors/events_processors/
//! events_image_processors.py`): any of gray, RGB or RGBA, `u8` or `f32` in [0, 1], HWC, CHW
//! or a batch tiled into a grid 8 images wide, boxes drawn in red, saved as an 8-bit PNG.
//!
//! The caller's thread only checks the shape and keeps the pixels; conversion, tiling, boxes
//! and PNG encoding run on the writer thread ([`Pixels::to_hwc`], [`encode_png`]).

use std::path::PathBuf;

use crate::Error;

/// How the dimensions of an image's pixel buffer are ordered (Python's `dataformats`).
///
/// `N` is the batch, `C` the channels (1 gray, 3 RGB or 4 RGBA), `H` the rows and `W` the
/// columns; the last letter varies fastest in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One gray image, `[height, width]` (`dataformats="HW"`).
    Hw,
    /// `[height, width, channels]` (`"HWC"`), the layout of most image libraries.
    Hwc,
    /// `[channels, height, width]` (`"CHW"`, Python's default), the layout of tensors.
    Chw,
    /// A batch `[n, height, width, channels]` (`"NHWC"`), tiled into a grid.
    Nhwc,
    /// A batch `[n, channels, height, width]` (`"NCHW"`), tiled into a grid.
    Nchw,
}

impl Layout {
    fn rank(self) -> usize {
        match self {
            Layout::Hw => 2,
            Layout::Hwc | Layout::Chw => 3,
            Layout::Nhwc | Layout::Nchw => 4,
        }
    }

    /// `(n, c, h, w)` of a shape in this layout.
    fn nchw(self, s: &[usize]) -> (usize, usize, usize, usize) {
        match self {
            Layout::Hw => (1, 1, s[0], s[1]),
            Layout::Hwc => (1, s[2], s[0], s[1]),
            Layout::Chw => (1, s[0], s[1], s[2]),
            Layout::Nhwc => (s[0], s[3], s[1], s[2]),
            Layout::Nchw => (s[0], s[1], s[2], s[3]),
        }
    }

    /// Offset of element `(n, c, y, x)` in a buffer of this layout.
    fn offset(
        self,
        (_, cs, hs, ws): (usize, usize, usize, usize),
        n: usize,
        c: usize,
        y: usize,
        x: usize,
    ) -> usize {
        match self {
            Layout::Hw | Layout::Hwc | Layout::Nhwc => ((n * hs + y) * ws + x) * cs + c,
            Layout::Chw | Layout::Nchw => ((n * cs + c) * hs + y) * ws + x,
        }
    }
}

/// The pixel values of an image, as given.
#[derive(Debug, Clone)]
pub(crate) enum Samples {
    /// 0 to 255, stored as they are.
    U8(Vec<u8>),
    /// 0.0 to 1.0, scaled by 255 and truncated, as Python does for any non-`uint8` array.
    F32(Vec<f32>),
}

/// A checked pixel buffer: its samples, shape and layout.
#[derive(Debug, Clone)]
pub(crate) struct Pixels {
    samples: Samples,
    layout: Layout,
    dims: (usize, usize, usize, usize),
}

/// An image to log with [`log_image`](crate::log_image): pixels in memory, or an image file.
#[derive(Debug, Clone)]
pub struct Image {
    pub(crate) source: ImageSource,
}

#[derive(Debug, Clone)]
pub(crate) enum ImageSource {
    Pixels(Pixels),
    File(PathBuf),
}

/// The most pixels (height x width of the final image or grid) one image may have: PNG's
/// own limit is 2^31 - 1 per side; this keeps one event's memory bounded.
const MAX_PIXELS: usize = 1 << 28;

impl Image {
    /// Pixels of 0 to 255 in any [`Layout`], `shape` its dimensions in that order.
    ///
    /// Errors when the shape does not fit the layout, a dimension is 0, the channels are not
    /// 1, 3 or 4, or `data` does not hold exactly the shape's number of samples.
    pub fn from_u8(
        data: impl Into<Vec<u8>>,
        shape: &[usize],
        layout: Layout,
    ) -> Result<Image, Error> {
        let data = data.into();
        let dims = check_shape(data.len(), shape, layout)?;
        Ok(Image::pixels(Samples::U8(data), layout, dims))
    }

    /// Pixels of 0.0 to 1.0 in any [`Layout`]; each is stored as `(v * 255) as u8` like
    /// Python's `(tensor * 255).astype(np.uint8)`, with values outside [0, 1] clamped and NaN
    /// as 0. Same checks as [`Image::from_u8`].
    pub fn from_f32(
        data: impl Into<Vec<f32>>,
        shape: &[usize],
        layout: Layout,
    ) -> Result<Image, Error> {
        let data = data.into();
        let dims = check_shape(data.len(), shape, layout)?;
        Ok(Image::pixels(Samples::F32(data), layout, dims))
    }

    /// A gray image, `width * height` bytes, row by row.
    pub fn gray(width: usize, height: usize, data: impl Into<Vec<u8>>) -> Result<Image, Error> {
        Image::from_u8(data, &[height, width], Layout::Hw)
    }

    /// An RGB image, `width * height * 3` bytes, row by row.
    pub fn rgb(width: usize, height: usize, data: impl Into<Vec<u8>>) -> Result<Image, Error> {
        Image::from_u8(data, &[height, width, 3], Layout::Hwc)
    }

    /// An RGBA image, `width * height * 4` bytes, row by row.
    pub fn rgba(width: usize, height: usize, data: impl Into<Vec<u8>>) -> Result<Image, Error> {
        Image::from_u8(data, &[height, width, 4], Layout::Hwc)
    }

    /// An image file (PNG, JPEG, ...), copied as it is into the run's assets with its
    /// extension; the event then holds only its path, as Python's `log_image(data=path)`.
    pub fn file(path: impl Into<PathBuf>) -> Image {
        Image {
            source: ImageSource::File(path.into()),
        }
    }

    fn pixels(samples: Samples, layout: Layout, dims: (usize, usize, usize, usize)) -> Image {
        Image {
            source: ImageSource::Pixels(Pixels {
                samples,
                layout,
                dims,
            }),
        }
    }

    /// Bytes held in memory, counted against the in-flight budget.
    pub(crate) fn bytes(&self) -> usize {
        match &self.source {
            ImageSource::Pixels(p) => match &p.samples {
                Samples::U8(v) => v.len(),
                Samples::F32(v) => v.len() * 4,
            },
            ImageSource::File(p) => p.as_os_str().len(),
        }
    }
}

#[cfg(feature = "image")]
impl From<&image::DynamicImage> for Image {
    /// Gray and RGB images stay so, everything else becomes RGBA, 8 bits per channel.
    fn from(img: &image::DynamicImage) -> Image {
        use image::DynamicImage as D;
        let (w, h) = (img.width() as usize, img.height() as usize);
        let (data, c) = match img {
            D::ImageLuma8(_) => (img.to_luma8().into_raw(), 1),
            D::ImageRgb8(_) | D::ImageRgb16(_) | D::ImageRgb32F(_) => (img.to_rgb8().into_raw(), 3),
            _ => (img.to_rgba8().into_raw(), 4),
        };
        Image::pixels(Samples::U8(data), Layout::Hwc, (1, c, h, w))
    }
}

#[cfg(feature = "image")]
impl<P, C> From<&image::ImageBuffer<P, C>> for Image
where
    P: image::Pixel<Subpixel = u8>,
    C: std::ops::Deref<Target = [u8]>,
{
    /// An 8-bit buffer of 1 (gray), 3 (RGB) or 4 (RGBA) channels; any other pixel type
    /// (gray + alpha) becomes RGBA.
    fn from(buf: &image::ImageBuffer<P, C>) -> Image {
        let (w, h) = (buf.width() as usize, buf.height() as usize);
        let c = usize::from(P::CHANNEL_COUNT);
        if matches!(c, 1 | 3 | 4) {
            Image::pixels(
                Samples::U8(buf.as_raw().to_vec()),
                Layout::Hwc,
                (1, c, h, w),
            )
        } else {
            let mut rgba = Vec::with_capacity(w * h * 4);
            for p in buf.pixels() {
                rgba.extend_from_slice(&p.to_rgba().0);
            }
            Image::pixels(Samples::U8(rgba), Layout::Hwc, (1, 4, h, w))
        }
    }
}

fn invalid(reason: String) -> Error {
    Error::InvalidEvent {
        kind: "image",
        reason,
    }
}

fn check_shape(
    len: usize,
    shape: &[usize],
    layout: Layout,
) -> Result<(usize, usize, usize, usize), Error> {
    if shape.len() != layout.rank() {
        return Err(invalid(format!(
            "shape {shape:?} has {} dimensions, layout {layout:?} needs {}",
            shape.len(),
            layout.rank()
        )));
    }
    if shape.contains(&0) {
        return Err(invalid(format!("shape {shape:?} has an empty dimension")));
    }
    let (n, c, h, w) = layout.nchw(shape);
    if !matches!(c, 1 | 3 | 4) {
        return Err(invalid(format!(
            "{c} channels: an image has 1 (gray), 3 (RGB) or 4 (RGBA)"
        )));
    }
    let expected = shape.iter().try_fold(1usize, |acc, d| acc.checked_mul(*d));
    if expected != Some(len) {
        return Err(invalid(format!(
            "shape {shape:?} needs {} samples, got {len}",
            expected.map_or_else(|| "too many".to_owned(), |e| e.to_string())
        )));
    }
    let (rows, cols) = grid(n);
    if (rows * h).saturating_mul(cols * w) > MAX_PIXELS {
        return Err(invalid(format!(
            "{} x {} pixels is more than the {MAX_PIXELS} one image may have",
            cols * w,
            rows * h
        )));
    }
    Ok((n, c, h, w))
}

/// `make_grid`'s `(nrows, ncols)` for `n` images: 8 per row, fewer when there are fewer.
fn grid(n: usize) -> (usize, usize) {
    let cols = n.clamp(1, 8);
    (n.div_ceil(cols), cols)
}

/// An 8-bit image, row by row, `channels` (3 or 4) samples a pixel.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Hwc {
    pub height: usize,
    pub width: usize,
    pub channels: usize,
    pub data: Vec<u8>,
}

impl Pixels {
    /// Python's `convert_to_HWC` + scaling: gray becomes 3 equal channels, a batch becomes a
    /// grid 8 images wide with black cells after the last image, floats are scaled by 255.
    /// [`Pixels::to_hwc`], without a copy for one image already in HWC order with 3 or 4
    /// channels (`u8` moved as it is, `f32` scaled in one pass).
    pub(crate) fn into_hwc(self) -> Hwc {
        let (n, c, height, width) = self.dims;
        if n != 1 || c == 1 || !matches!(self.layout, Layout::Hwc | Layout::Nhwc) {
            return self.to_hwc();
        }
        let data = match self.samples {
            Samples::U8(v) => v,
            Samples::F32(v) => v.into_iter().map(scale).collect(),
        };
        Hwc {
            height,
            width,
            channels: c,
            data,
        }
    }

    pub(crate) fn to_hwc(&self) -> Hwc {
        let (n, c, h, w) = self.dims;
        let out_c = if c == 1 { 3 } else { c };
        let (rows, cols) = grid(n);
        let (height, width) = (rows * h, cols * w);
        let mut data = vec![0u8; height * width * out_c];
        for i in 0..n {
            let (gy, gx) = (i / cols * h, i % cols * w);
            for y in 0..h {
                for x in 0..w {
                    let px = ((gy + y) * width + gx + x) * out_c;
                    for oc in 0..out_c {
                        let sc = if c == 1 { 0 } else { oc };
                        let at = self.layout.offset(self.dims, i, sc, y, x);
                        data[px + oc] = match &self.samples {
                            Samples::U8(v) => v[at],
                            Samples::F32(v) => scale(v[at]),
                        };
                    }
                }
            }
        }
        Hwc {
            height,
            width,
            channels: out_c,
            data,
        }
    }
}

/// `np.float32(v) * 255` cast to `uint8` (truncation), kept in range.
fn scale(v: f32) -> u8 {
    // `as` saturates and maps NaN to 0.
    (v * 255.0) as u8
}

/// A box `[x1, y1, x2, y2]` in pixels, drawn as Python's `_draw_single_box` draws it: PIL's
/// 2-pixel red outline from `(x1, y1)` down, right, up and back (coordinates are rounded).
pub(crate) fn draw_boxes(img: &mut Hwc, boxes: &[[f32; 4]]) {
    for b in boxes {
        let [l, t, r, bt] = b.map(|v| v.round() as i64);
        let mut put = |x: i64, y: i64| {
            if x >= 0 && y >= 0 && (x as usize) < img.width && (y as usize) < img.height {
                let at = (y as usize * img.width + x as usize) * img.channels;
                img.data[at..at + 3].copy_from_slice(&[255, 0, 0]);
                if img.channels == 4 {
                    img.data[at + 3] = 255;
                }
            }
        };
        for x in l.min(r)..=l.max(r) {
            for y in [t - 1, t, bt, bt + 1] {
                put(x, y);
            }
        }
        for y in (t.min(bt) - 1)..=(t.max(bt) + 1) {
            for x in [l, l + 1, r - 1, r] {
                put(x, y);
            }
        }
    }
}

/// An 8-bit RGB or RGBA PNG of the image.
pub(crate) fn encode_png(img: &Hwc) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let (w, h) = (
        u32::try_from(img.width).map_err(|e| e.to_string())?,
        u32::try_from(img.height).map_err(|e| e.to_string())?,
    );
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(if img.channels == 4 {
        png::ColorType::Rgba
    } else {
        png::ColorType::Rgb
    });
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Fast);
    let mut writer = enc.write_header().map_err(|e| e.to_string())?;
    writer
        .write_image_data(&img.data)
        .map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pixels(img: Image) -> Pixels {
        match img.source {
            ImageSource::Pixels(p) => p,
            ImageSource::File(_) => unreachable!(),
        }
    }

    #[test]
    fn one_hwc_image_is_converted_as_the_general_path_converts_it() {
        let u8s: Vec<u8> = (0..5 * 3 * 4).map(|i| (i * 37 % 256) as u8).collect();
        let f32s: Vec<f32> = (0..5 * 3 * 3).map(|i| i as f32 / 45.0).collect();
        for img in [
            Image::from_u8(u8s.clone(), &[5, 3, 4], Layout::Hwc).unwrap(),
            Image::from_u8(u8s, &[1, 5, 3, 4], Layout::Nhwc).unwrap(),
            Image::from_f32(f32s, &[5, 3, 3], Layout::Hwc).unwrap(),
        ] {
            let p = pixels(img);
            let general = p.to_hwc();
            let fast = p.into_hwc();
            assert_eq!(
                (fast.height, fast.width, fast.channels, fast.data),
                (
                    general.height,
                    general.width,
                    general.channels,
                    general.data
                )
            );
        }
    }

    #[test]
    fn gray_becomes_three_equal_channels() {
        let hwc = pixels(Image::gray(2, 1, [7, 9]).unwrap()).to_hwc();
        assert_eq!((hwc.height, hwc.width, hwc.channels), (1, 2, 3));
        assert_eq!(hwc.data, vec![7, 7, 7, 9, 9, 9]);
    }

    #[test]
    fn chw_floats_are_transposed_and_scaled_like_numpy() {
        // 3 channels of 1 x 2: R = [0, 1], G = [0.5, 0.25], B = [2.0 (clamped), NaN].
        let img = Image::from_f32(
            vec![0.0, 1.0, 0.5, 0.25, 2.0, f32::NAN],
            &[3, 1, 2],
            Layout::Chw,
        )
        .unwrap();
        let hwc = pixels(img).to_hwc();
        // np.float32(0.5) * 255 = 127.5 -> 127; 0.25 * 255 = 63.75 -> 63.
        assert_eq!(hwc.data, vec![0, 127, 255, 255, 63, 0]);
    }

    #[test]
    fn a_batch_is_tiled_eight_wide_with_black_cells_after_the_last() {
        // 9 gray 1 x 1 images, values 1..=9: two rows of 8 cells.
        let img =
            Image::from_u8((1..=9).collect::<Vec<u8>>(), &[9, 1, 1, 1], Layout::Nchw).unwrap();
        let hwc = pixels(img).to_hwc();
        assert_eq!((hwc.height, hwc.width), (2, 8));
        let red: Vec<u8> = hwc.data.chunks(3).map(|p| p[0]).collect();
        assert_eq!(red, vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 0, 0, 0, 0, 0, 0]);
        // Three images stay on one row of three.
        let img = Image::from_u8(vec![1, 2, 3], &[3, 1, 1, 1], Layout::Nhwc).unwrap();
        assert_eq!(pixels(img).to_hwc().width, 3);
    }

    #[test]
    fn bad_shapes_are_errors() {
        assert!(Image::rgb(2, 2, vec![0; 11]).is_err());
        assert!(Image::from_u8(vec![0; 4], &[2, 2], Layout::Hwc).is_err());
        assert!(Image::from_u8(vec![0; 8], &[2, 2, 2], Layout::Hwc).is_err());
        assert!(Image::from_u8(Vec::<u8>::new(), &[0, 2], Layout::Hw).is_err());
        assert!(Image::from_u8(vec![0; 1], &[usize::MAX, 2], Layout::Hw).is_err());
        let err = Image::rgb(2, 2, vec![0; 11]).unwrap_err().to_string();
        assert!(err.contains("needs 12 samples, got 11"), "{err}");
    }

    #[test]
    fn boxes_are_drawn_like_pil() {
        let mut img = pixels(Image::rgb(8, 8, vec![0; 8 * 8 * 3]).unwrap()).to_hwc();
        draw_boxes(&mut img, &[[1.0, 2.0, 5.0, 5.0]]);
        let rows: Vec<String> = img
            .data
            .chunks(8 * 3)
            .map(|row| {
                row.chunks(3)
                    .map(|p| if p[0] == 255 { '#' } else { '.' })
                    .collect()
            })
            .collect();
        // PIL's `ImageDraw.line([(1, 2), (1, 5), (5, 5), (5, 2), (1, 2)], width=2)`.
        assert_eq!(
            rows,
            [
                "........", ".#####..", ".#####..", ".##.##..", ".##.##..", ".#####..", ".#####..",
                "........"
            ]
        );
    }

    #[test]
    fn png_round_trips() {
        let hwc = pixels(Image::rgba(2, 1, vec![1, 2, 3, 4, 5, 6, 7, 8]).unwrap()).to_hwc();
        let png = encode_png(&hwc).unwrap();
        let dec = png::Decoder::new(std::io::Cursor::new(png));
        let mut reader = dec.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (2, 1));
        assert_eq!(&buf[..info.buffer_size()], &[1, 2, 3, 4, 5, 6, 7, 8]);
    }
}
