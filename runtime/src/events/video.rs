//! Videos as animated GIFs, the default of Polyaxon's `log_video` (`events_video_processors.py`,
//! which goes through moviepy): frames of `u8` or `f32` in [0, 1], one clip or Python's batch
//! of clips tiled into a grid per frame (`prepare_video`), played at `fps`, looping forever.

use crate::Error;

use super::image::Samples;

/// How a video's pixel buffer is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoLayout {
    /// `[frames, height, width, channels]`.
    Thwc,
    /// `[frames, channels, height, width]`.
    Tchw,
    /// Python's `[batch, frames, channels, height, width]`: each frame shows the batch's clips
    /// in a grid (`prepare_video`: the batch padded to a power of 2 with black clips).
    Btchw,
}

/// A video to log with [`log_video`](crate::log_video).
#[derive(Debug, Clone)]
pub struct Video {
    samples: Samples,
    layout: VideoLayout,
    /// `(b, t, c, h, w)`.
    dims: [usize; 5],
    pub(crate) fps: u16,
}

/// One GIF frame can be at most 65535 pixels on a side.
const MAX_SIDE: usize = u16::MAX as usize;

impl Video {
    /// Frames of 0 to 255, `shape` in `layout`'s order, shown `fps` frames a second (Python's
    /// default is 4).
    ///
    /// Errors when the shape does not fit the layout, a dimension or `fps` is 0, the channels
    /// are not 1, 3 or 4, or `data` does not hold the shape's number of samples.
    pub fn from_u8(
        data: impl Into<Vec<u8>>,
        shape: &[usize],
        layout: VideoLayout,
        fps: u16,
    ) -> Result<Video, Error> {
        let data = data.into();
        Video::new(data.len(), Samples::U8(data), shape, layout, fps)
    }

    /// Frames of 0.0 to 1.0, scaled by 255 as images are; otherwise as [`Video::from_u8`].
    pub fn from_f32(
        data: impl Into<Vec<f32>>,
        shape: &[usize],
        layout: VideoLayout,
        fps: u16,
    ) -> Result<Video, Error> {
        let data = data.into();
        Video::new(data.len(), Samples::F32(data), shape, layout, fps)
    }

    fn new(
        len: usize,
        samples: Samples,
        shape: &[usize],
        layout: VideoLayout,
        fps: u16,
    ) -> Result<Video, Error> {
        let invalid = |reason: String| Error::InvalidEvent {
            kind: "video",
            reason,
        };
        let rank = if layout == VideoLayout::Btchw { 5 } else { 4 };
        if shape.len() != rank {
            return Err(invalid(format!(
                "shape {shape:?} has {} dimensions, layout {layout:?} needs {rank}",
                shape.len()
            )));
        }
        if shape.contains(&0) || fps == 0 {
            return Err(invalid(format!(
                "shape {shape:?} at {fps} fps: every dimension and fps must be positive"
            )));
        }
        let dims = match layout {
            VideoLayout::Thwc => [1, shape[0], shape[3], shape[1], shape[2]],
            VideoLayout::Tchw => [1, shape[0], shape[1], shape[2], shape[3]],
            VideoLayout::Btchw => [shape[0], shape[1], shape[2], shape[3], shape[4]],
        };
        let c = dims[2];
        if !matches!(c, 1 | 3 | 4) {
            return Err(invalid(format!(
                "{c} channels: a video has 1 (gray), 3 (RGB) or 4 (RGBA)"
            )));
        }
        let expected = shape.iter().try_fold(1usize, |acc, d| acc.checked_mul(*d));
        if expected != Some(len) {
            return Err(invalid(format!(
                "shape {shape:?} needs {} samples, got {len}",
                expected.map_or_else(|| "too many".to_owned(), |e| e.to_string())
            )));
        }
        let v = Video {
            samples,
            layout,
            dims,
            fps,
        };
        let (rows, cols) = v.grid();
        if rows * dims[3] > MAX_SIDE || cols * dims[4] > MAX_SIDE {
            return Err(invalid(format!(
                "frames of {} x {} pixels are larger than a GIF holds",
                cols * dims[4],
                rows * dims[3]
            )));
        }
        Ok(v)
    }

    /// `prepare_video`'s grid: the batch padded to a power of two, `2^((bit_length(b) - 1) / 2)`
    /// rows.
    fn grid(&self) -> (usize, usize) {
        let b = self.dims[0];
        let padded = b.next_power_of_two();
        let bits = usize::BITS - b.leading_zeros();
        let rows = 1usize << ((bits - 1) / 2);
        (rows, padded / rows)
    }

    /// Bytes held in memory.
    pub(crate) fn bytes(&self) -> usize {
        match &self.samples {
            Samples::U8(v) => v.len(),
            Samples::F32(v) => v.len() * 4,
        }
    }

    /// `(height, width, channels)` of a frame, as the event reports them.
    pub(crate) fn frame_shape(&self) -> (usize, usize, usize) {
        let (rows, cols) = self.grid();
        (rows * self.dims[3], cols * self.dims[4], self.dims[2])
    }

    fn sample(&self, at: usize) -> u8 {
        match &self.samples {
            Samples::U8(v) => v[at],
            Samples::F32(v) => (v[at] * 255.0) as u8,
        }
    }

    /// Frame `t` as RGBA (gray repeated, opaque when there is no alpha).
    fn frame_rgba(&self, t: usize) -> Vec<u8> {
        let [b, ts, c, h, w] = self.dims;
        let (_, cols) = self.grid();
        let (height, width, _) = self.frame_shape();
        let mut out = vec![0u8; height * width * 4];
        for px in out.chunks_mut(4) {
            px[3] = 255;
        }
        for clip in 0..b {
            let (gy, gx) = (clip / cols * h, clip % cols * w);
            for y in 0..h {
                for x in 0..w {
                    let px = ((gy + y) * width + gx + x) * 4;
                    for oc in 0..c.max(3) {
                        let sc = if c == 1 { 0 } else { oc };
                        let at = match self.layout {
                            VideoLayout::Thwc => ((t * h + y) * w + x) * c + sc,
                            VideoLayout::Tchw | VideoLayout::Btchw => {
                                (((clip * ts + t) * c + sc) * h + y) * w + x
                            }
                        };
                        out[px + oc] = self.sample(at);
                    }
                }
            }
        }
        out
    }

    /// The animated GIF, each frame quantized to its own 256-color palette.
    pub(crate) fn encode_gif(&self) -> Result<Vec<u8>, String> {
        let (height, width, _) = self.frame_shape();
        let (w, h) = (width as u16, height as u16);
        let mut out = Vec::new();
        {
            let mut enc = gif::Encoder::new(&mut out, w, h, &[]).map_err(|e| e.to_string())?;
            enc.set_repeat(gif::Repeat::Infinite)
                .map_err(|e| e.to_string())?;
            let delay = (100 / self.fps).max(1);
            for t in 0..self.dims[1] {
                let mut rgba = self.frame_rgba(t);
                let mut frame = gif::Frame::from_rgba_speed(w, h, &mut rgba, 10);
                frame.delay = delay;
                enc.write_frame(&frame).map_err(|e| e.to_string())?;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_through_gif() {
        // Two 2 x 2 frames: black, then white.
        let mut data = vec![0u8; 12];
        data.extend([255u8; 12]);
        let v = Video::from_u8(data, &[2, 2, 2, 3], VideoLayout::Thwc, 4).unwrap();
        assert_eq!(v.frame_shape(), (2, 2, 3));
        let gif = v.encode_gif().unwrap();
        let mut opts = gif::DecodeOptions::new();
        opts.set_color_output(gif::ColorOutput::RGBA);
        let mut dec = opts.read_info(std::io::Cursor::new(gif)).unwrap();
        let mut frames = Vec::new();
        while let Some(f) = dec.read_next_frame().unwrap() {
            assert_eq!(f.delay, 25);
            frames.push(f.buffer.to_vec());
        }
        assert_eq!(frames.len(), 2);
        assert!(frames[0].chunks(4).all(|p| p[..3] == [0, 0, 0]));
        assert!(frames[1].chunks(4).all(|p| p[..3] == [255, 255, 255]));
    }

    #[test]
    fn a_batch_of_three_is_padded_to_a_grid_of_four() {
        // Python: b = 3 -> padded to 4, n_rows = 2 ** ((2 - 1) // 2) = 1, n_cols = 4.
        let v = Video::from_f32(
            vec![0.5; 3 * 2 * 4 * 5],
            &[3, 2, 1, 4, 5],
            VideoLayout::Btchw,
            2,
        )
        .unwrap();
        assert_eq!(v.frame_shape(), (4, 20, 1));
        // b = 16 -> 4 x 4.
        let v = Video::from_u8(
            vec![0; 16 * 3 * 2 * 2],
            &[16, 1, 3, 2, 2],
            VideoLayout::Btchw,
            2,
        )
        .unwrap();
        assert_eq!(v.frame_shape(), (8, 8, 3));
    }

    #[test]
    fn bad_videos_are_errors() {
        assert!(Video::from_u8(vec![0; 11], &[1, 2, 2, 3], VideoLayout::Thwc, 4).is_err());
        assert!(Video::from_u8(vec![0; 12], &[1, 2, 2, 3], VideoLayout::Thwc, 0).is_err());
        assert!(Video::from_u8(vec![0; 8], &[1, 2, 2, 2], VideoLayout::Thwc, 4).is_err());
        assert!(Video::from_u8(vec![0; 1], &[1, 70000, 1, 1], VideoLayout::Thwc, 4).is_err());
    }
}
