"""Light renditions of videos and audio for prepaid phone data, made with PyAV (FFmpeg's
libraries in its wheel): a 360p H.264/AAC MP4 of about 500 kbit/s for every video (and a 720p
one when the video is larger than that), an AAC audio of about 56 kbit/s for every MP3 or M4A.

A rendition is written to a temporary file beside where it will be kept and renamed into place
when whole, so a reader is never sent half of one (a worker killed, a disk full); its row is
saved after the rename, and `flask doctor` checks every rendition file against its row."""

import logging
import os
import threading
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

from library.storage import file_sha256

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Profile:
    """What one rendition is: its name, its picture's height (None: sound only) and bitrates."""

    name: str
    height: int | None
    video_bitrate: int
    audio_bitrate: int
    audio_channels: int

    @property
    def extension(self) -> str:
        return "m4a" if self.height is None else "mp4"

    @property
    def mime_type(self) -> str:
        return "audio/mp4" if self.height is None else "video/mp4"

    @property
    def filename(self) -> str:
        return f"rendition-{self.name}.{self.extension}"


# About 400–600 kbit/s in all for 360p: what a 3G phone plays without pausing.
LIGHT = Profile("360p", 360, 440_000, 64_000, 1)
HIGH = Profile("720p", 720, 1_400_000, 96_000, 2)
AUDIO = Profile("audio", None, 0, 56_000, 1)
MAX_FPS = 30
# A light copy is never heavier than what was uploaded: its bitrates come down to this share of
# an already light original's, to these floors at the lowest (below them nothing is legible).
SOURCE_SHARE = 0.8
MIN_VIDEO_BITRATE = 80_000
MIN_AUDIO_BITRATE = 24_000
AUDIO_RATE = 44_100
# A picture larger than 8K, or a video longer than this, is not worth a worker's hour.
MAX_PIXELS = 7680 * 4320
MAX_SECONDS = 4 * 3600


class Undecodable(Exception):
    """The file cannot be read as a video or audio (damaged, or a codec FFmpeg lacks)."""


@dataclass
class Made:
    path: Path
    size: int
    sha256: str
    width: int | None
    height: int | None
    bitrate: int


def profiles_for(path: Path, family: str) -> list[Profile]:
    """The renditions a kept file gets: 360p (and 720p above that) for a video, one light
    audio for an audio file. Refuses what cannot be read (Undecodable)."""
    if family == "audio":
        return [AUDIO]
    info = probe(path)
    if info["height"] is None:
        raise Undecodable("no video stream")
    # 360p and 720p name the short side: a phone's portrait video is 360 wide.
    return [LIGHT, HIGH] if min(info["width"], info["height"]) > HIGH.height else [LIGHT]


def probe(path: Path) -> dict:
    """The size and duration of a file's first video stream, without decoding it."""
    import av

    try:
        with av.open(str(path)) as container:
            video = next(iter(container.streams.video), None)
            duration = float(container.duration / 1_000_000) if container.duration else None
            if video is None:
                return {"width": None, "height": None, "duration": duration}
            width, height = video.codec_context.width, video.codec_context.height
    except (av.error.FFmpegError, OSError, ValueError) as error:
        if getattr(error, "errno", None) in _DISK_ERRNOS:
            raise
        raise Undecodable(str(error)) from error
    if not width or not height or width * height > MAX_PIXELS:
        raise Undecodable(f"picture size {width}x{height}")
    if duration and duration > MAX_SECONDS:
        raise Undecodable(f"{duration:.0f} s long")
    return {"width": width, "height": height, "duration": duration}


_DISK_ERRNOS = (28, 122)  # ENOSPC, EDQUOT


def fitted(profile: Profile, source_bitrate: int | None) -> Profile:
    """The profile's bitrates, brought down under an original lighter than them (a phone's
    low-bitrate clip would otherwise get a "light" copy larger than itself)."""
    if not source_bitrate:
        return profile
    budget = int(source_bitrate * SOURCE_SHARE)
    if profile.height is None:
        audio = min(profile.audio_bitrate, max(MIN_AUDIO_BITRATE, budget))
        return replace(profile, audio_bitrate=audio)
    audio = min(profile.audio_bitrate, max(MIN_AUDIO_BITRATE, budget // 5))
    video = min(profile.video_bitrate, max(MIN_VIDEO_BITRATE, budget - audio))
    return replace(profile, video_bitrate=video, audio_bitrate=audio)


def make(source: Path, target: Path, profile: Profile, report=lambda fraction: None) -> Made:
    """Transcode source into target (renamed into place only when whole); report(fraction)
    tells how far it is, 0 to 1."""
    import av

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        try:
            width, height = _transcode(source, tmp, profile, report)
        except av.error.FFmpegError as error:
            if getattr(error, "errno", None) in _DISK_ERRNOS:
                raise OSError(error.errno, str(error)) from error
            raise Undecodable(str(error)) from error
        duration = _duration(tmp)
        size = tmp.stat().st_size
        made = Made(target, size, file_sha256(tmp), width, height, _bitrate(size, duration))
        tmp.replace(target)
        return made
    finally:
        tmp.unlink(missing_ok=True)


def _transcode(source: Path, tmp: Path, profile: Profile, report) -> tuple[int | None, int | None]:
    import av

    with av.open(str(source)) as inp:
        in_video = next(iter(inp.streams.video), None) if profile.height else None
        in_audio = next(iter(inp.streams.audio), None)
        if profile.height and in_video is None:
            raise Undecodable("no video stream")
        rotation = _rotation(source) if in_video is not None else 0
        if profile.height is None and in_audio is None:
            raise Undecodable("no audio stream")
        total = float(inp.duration / 1_000_000) if inp.duration else None
        if total:
            profile = fitted(profile, _bitrate(source.stat().st_size, total))
        # The index at the start (faststart): a phone starts playing before the whole download.
        with av.open(str(tmp), "w", format="mp4", options={"movflags": "+faststart"}) as out:
            video = None
            if in_video is not None:
                video = _video_encoder(out, in_video, profile, rotation)
            audio = _audio_encoder(out, profile) if in_audio is not None else None
            resampler = av.AudioResampler(
                format="fltp",
                layout="mono" if profile.audio_channels == 1 else "stereo",
                rate=AUDIO_RATE,
            )
            streams = [s for s in (in_video, in_audio) if s is not None]
            if in_video is not None:
                in_video.thread_type = "AUTO"  # decode on every core, as the encoder does
            state = {"last_pts": -1, "frames": 0, "samples": 0}
            for packet in inp.demux(streams):
                try:
                    frames = packet.decode()
                except av.error.InvalidDataError:
                    continue  # one damaged packet: the next key frame decodes again
                for frame in frames:
                    if packet.stream is in_video:
                        _encode_video(out, video, frame, state)
                    else:
                        for chunk in resampler.resample(frame):
                            out.mux(audio.encode(chunk))
                            state["samples"] += chunk.samples
                    if total and frame.time is not None:
                        report(min(frame.time / total, 1.0))
            if audio is not None:
                for chunk in resampler.resample(None):
                    out.mux(audio.encode(chunk))
                out.mux(audio.encode(None))
            if video is not None:
                out.mux(video.encode(None))
            if (video is not None and not state["frames"]) or (
                video is None and not state["samples"]
            ):
                raise Undecodable("nothing could be decoded")
            return (video.width, video.height) if video is not None else (None, None)


def _rotation(source: Path) -> int:
    """How a phone's video is turned for display (its first frame's display matrix, in
    degrees counter-clockwise): the rendition is turned the same way."""
    import av

    with av.open(str(source)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            return int(getattr(frame, "rotation", 0) or 0) % 360
    return 0


def _video_encoder(out, in_video, profile: Profile, rotation: int = 0):
    src_w, src_h = in_video.codec_context.width, in_video.codec_context.height
    # The short side becomes the profile's (never enlarged); both sides even, as H.264 needs.
    scale = min(1.0, profile.height / min(src_w, src_h))
    width, height = (max(2, round(side * scale / 2) * 2) for side in (src_w, src_h))
    rate = in_video.average_rate or in_video.guessed_rate or Fraction(25)
    rate = min(Fraction(rate), Fraction(MAX_FPS)).limit_denominator(1001)
    stream = out.add_stream("libx264", rate=rate)
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    stream.bit_rate = profile.video_bitrate
    # veryfast keeps a 720p minute under a minute on two cores; maxrate caps the peaks a slow
    # connection would stall on; main profile plays on every phone since 2012.
    stream.options = {
        "preset": "veryfast",
        "profile": "main",
        "maxrate": str(int(profile.video_bitrate * 1.25)),
        "bufsize": str(profile.video_bitrate * 2),
    }
    stream.codec_context.time_base = Fraction(1, 1) / rate
    if rotation:
        stream.set_display_rotation(rotation)
    return stream


def _encode_video(out, stream, frame, state) -> None:
    if frame.time is None:
        return
    # Frames are placed by their time at the rendition's rate; a faster source's extra frames
    # (a 60 fps phone video) fall on a slot already filled and are dropped.
    pts = round(frame.time * stream.codec_context.framerate)
    if pts <= state["last_pts"]:
        return
    state["last_pts"] = pts
    picture = frame.reformat(width=stream.width, height=stream.height, format="yuv420p")
    picture.pts, picture.time_base = pts, stream.codec_context.time_base
    out.mux(stream.encode(picture))
    state["frames"] += 1


def _audio_encoder(out, profile: Profile):
    stream = out.add_stream("aac", rate=AUDIO_RATE)
    stream.bit_rate = profile.audio_bitrate
    stream.layout = "mono" if profile.audio_channels == 1 else "stereo"
    return stream


def _duration(path: Path) -> float | None:
    import av

    with av.open(str(path)) as container:
        return float(container.duration / 1_000_000) if container.duration else None


def _bitrate(size: int, duration: float | None) -> int:
    return round(size * 8 / duration) if duration else 0
