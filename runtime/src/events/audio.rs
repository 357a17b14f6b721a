//! Audio clips as Polyaxon's `log_audio` writes them (`events_audio_processors.py`): 16-bit PCM
//! WAV, floats in [-1, 1] clipped and stored as `int(32767.0 * x)`, like Python's `wave` module
//! writes (a 44-byte RIFF header, then the frames).

use crate::Error;

/// Samples of an audio clip, interleaved when there are several channels.
#[derive(Debug, Clone)]
pub enum Samples {
    /// -1.0 to 1.0 (clipped beyond), stored as `(32767.0 * x) as i16` (Python's `int()`).
    F32(Vec<f32>),
    /// Stored as they are.
    I16(Vec<i16>),
}

impl From<Vec<f32>> for Samples {
    fn from(v: Vec<f32>) -> Self {
        Samples::F32(v)
    }
}

impl From<&[f32]> for Samples {
    fn from(v: &[f32]) -> Self {
        Samples::F32(v.to_vec())
    }
}

impl From<Vec<i16>> for Samples {
    fn from(v: Vec<i16>) -> Self {
        Samples::I16(v)
    }
}

impl From<&[i16]> for Samples {
    fn from(v: &[i16]) -> Self {
        Samples::I16(v.to_vec())
    }
}

/// An audio clip to log with [`log_audio`](crate::log_audio).
#[derive(Debug, Clone)]
pub struct Audio {
    pub(crate) samples: Samples,
    pub(crate) sample_rate: u32,
    pub(crate) channels: u16,
}

impl Audio {
    /// A mono clip (Python's `log_audio(data, sample_rate=...)` takes only mono).
    pub fn mono(samples: impl Into<Samples>, sample_rate: u32) -> Result<Audio, Error> {
        Audio::interleaved(samples, sample_rate, 1)
    }

    /// A clip of `channels` interleaved channels (left, right, left, right, ... for stereo).
    ///
    /// Errors when the sample rate or the channel count is 0, or the samples do not divide
    /// into whole frames.
    pub fn interleaved(
        samples: impl Into<Samples>,
        sample_rate: u32,
        channels: u16,
    ) -> Result<Audio, Error> {
        let samples = samples.into();
        let invalid = |reason: String| Error::InvalidEvent {
            kind: "audio",
            reason,
        };
        if sample_rate == 0 || channels == 0 {
            return Err(invalid(format!(
                "sample rate {sample_rate} and {channels} channels: both must be positive"
            )));
        }
        let len = match &samples {
            Samples::F32(v) => v.len(),
            Samples::I16(v) => v.len(),
        };
        if len % usize::from(channels) != 0 {
            return Err(invalid(format!(
                "{len} samples do not make whole frames of {channels} channels"
            )));
        }
        // A WAV's sizes are 32-bit.
        if len.saturating_mul(2) > (u32::MAX - 36) as usize {
            return Err(invalid(format!(
                "{len} samples are more than a WAV file holds"
            )));
        }
        Ok(Audio {
            samples,
            sample_rate,
            channels,
        })
    }

    /// Frames: samples per channel.
    pub(crate) fn frames(&self) -> usize {
        self.len() / usize::from(self.channels)
    }

    fn len(&self) -> usize {
        match &self.samples {
            Samples::F32(v) => v.len(),
            Samples::I16(v) => v.len(),
        }
    }

    /// Bytes held in memory.
    pub(crate) fn bytes(&self) -> usize {
        match &self.samples {
            Samples::F32(v) => v.len() * 4,
            Samples::I16(v) => v.len() * 2,
        }
    }

    /// The WAV file.
    pub(crate) fn encode_wav(&self) -> Vec<u8> {
        let data_len = (self.len() * 2) as u32;
        let channels = u32::from(self.channels);
        let mut out = Vec::with_capacity(44 + data_len as usize);
        out.extend_from_slice(b"RIFF");
        out.extend_from_slice(&(36 + data_len).to_le_bytes());
        out.extend_from_slice(b"WAVEfmt ");
        out.extend_from_slice(&16u32.to_le_bytes());
        out.extend_from_slice(&1u16.to_le_bytes()); // PCM
        out.extend_from_slice(&self.channels.to_le_bytes());
        out.extend_from_slice(&self.sample_rate.to_le_bytes());
        out.extend_from_slice(&(self.sample_rate.wrapping_mul(channels * 2)).to_le_bytes());
        out.extend_from_slice(&((channels * 2) as u16).to_le_bytes());
        out.extend_from_slice(&16u16.to_le_bytes());
        out.extend_from_slice(b"data");
        out.extend_from_slice(&data_len.to_le_bytes());
        match &self.samples {
            Samples::F32(v) => {
                for x in v {
                    // Python: `tensor.clip(-1, 1)`, then `int(32767.0 * x)` (truncation).
                    let x = if x.is_nan() {
                        0.0
                    } else {
                        f64::from(x.clamp(-1.0, 1.0))
                    };
                    out.extend_from_slice(&((32767.0 * x) as i16).to_le_bytes());
                }
            }
            Samples::I16(v) => {
                for x in v {
                    out.extend_from_slice(&x.to_le_bytes());
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wav_header_and_samples() {
        let wav = Audio::mono(vec![0.0f32, 0.5, -1.0, 2.0], 8000)
            .unwrap()
            .encode_wav();
        assert_eq!(wav.len(), 44 + 8);
        assert_eq!(&wav[..4], b"RIFF");
        assert_eq!(
            u32::from_le_bytes([wav[24], wav[25], wav[26], wav[27]]),
            8000
        );
        let samples: Vec<i16> = wav[44..]
            .chunks(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]))
            .collect();
        // int(32767.0 * 0.5) = 16383; 2.0 is clipped to 1.0.
        assert_eq!(samples, vec![0, 16383, -32767, 32767]);
    }

    #[test]
    fn stereo_frames_and_checks() {
        let a = Audio::interleaved(vec![1i16, 2, 3, 4], 44100, 2).unwrap();
        assert_eq!(a.frames(), 2);
        let wav = a.encode_wav();
        assert_eq!(u16::from_le_bytes([wav[22], wav[23]]), 2);
        assert!(Audio::interleaved(vec![1i16, 2, 3], 44100, 2).is_err());
        assert!(Audio::mono(vec![1i16], 0).is_err());
    }
}
