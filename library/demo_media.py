"""The demo's own media, made from the texts of `demo/made.json`: leaflets and books as
multi-page PDFs (fpdf2, DejaVu Sans), posters as PNG (Pillow), short videos of text slides
(H.264 through PyAV) with each slide's words spoken (Debian's espeak-ng speaking Vietnamese,
AAC in the MP4), and spoken audio (espeak-ng again, encoded MP3 through PyAV), each video and
audio with WebVTT captions timed on its slides or sentences. Without espeak-ng the videos are
silent and the audio is left out, and the demo says so.

Files are cached under a hash of what they show (`instance/demo-made/`), so a second
`flask seed-demo` makes nothing; a manifest for the bulk import is written beside them."""

import hashlib
import io
import json
import os
import shutil
import subprocess
import wave
from fractions import Fraction
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
FONTS = ROOT / "static" / "fonts"
REGULAR, BOLD = FONTS / "DejaVuSans.ttf", FONTS / "DejaVuSans-Bold.ttf"
# Bumped when the drawing changes, so cached files are made again.
VERSION = "2"
INK, PAPER = (28, 35, 48), (255, 255, 255)
VIDEO_SIZE, VIDEO_FPS, SLIDE_SECONDS = (640, 360), 5, 4
# Silence after a slide's words before the next slide, and the soundtrack's bit rate.
SLIDE_PAUSE, VIDEO_AUDIO_BITRATE = 0.6, 48_000
SAMPLE_RATE = 22050


def espeak() -> str | None:
    """The espeak-ng program, or None where it is not installed (its audio is then left out)."""
    return shutil.which("espeak-ng")


def build(spec_path: Path, out: Path, say=print) -> Path:
    """Make every file the specs need (those not already made) and the manifest naming them;
    returns the manifest's path."""
    out.mkdir(parents=True, exist_ok=True)
    specs = json.loads(spec_path.read_text(encoding="utf-8"))
    lines, made, skipped, voiced = [], 0, 0, espeak() is not None
    for spec in specs:
        make = spec["make"]
        if make["type"] == "audio" and not voiced:
            skipped += 1
            continue
        record = {k: v for k, v in spec.items() if k != "make"}
        # (a silent video made without espeak-ng is made again, spoken, once it is installed)
        spoken = voiced and make["type"] == "video"
        stem = f"{spec['external_id']}-{_digest({**make, 'spoken': spoken})}"
        extension = {"pdf": "pdf", "poster": "png", "video": "mp4", "audio": "mp3"}[make["type"]]
        target = out / f"{stem}.{extension}"
        captions = out / f"{stem}.vtt" if make["type"] in ("video", "audio") else None
        if not target.is_file() or (captions and not captions.is_file()):
            MAKERS[make["type"]](make, spec, target)
            made += 1
        record["file"] = target.name
        if captions:
            record["captions"] = captions.name
        lines.append(json.dumps(record, ensure_ascii=False))
    manifest = out / "manifest.jsonl"
    _write_atomically(manifest, ("\n".join(lines) + "\n").encode("utf-8"))
    if not voiced:
        say(
            "Tài liệu mẫu: espeak-ng chưa được cài (make espeak): video mẫu không có tiếng, "
            f"bỏ qua {skipped} tài liệu âm thanh."
        )
    if made:
        say(f"Tài liệu mẫu: đã tạo {made} tệp (PDF, áp phích, video, âm thanh).")
    return manifest


def _digest(make: dict) -> str:
    text = json.dumps(make, ensure_ascii=False, sort_keys=True) + VERSION
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def _write_atomically(target: Path, data: bytes) -> None:
    # (two test workers may make the same file at once: each writes its own temporary file)
    tmp = target.with_suffix(f"{target.suffix}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(target)


# PDF leaflets and books ----------------------------------------------------------------------


def make_pdf(make: dict, spec: dict, target: Path) -> None:
    """An A4 PDF: the title, then each section as a heading with paragraphs and bullet lists,
    a section starting a new page where it says so; the publisher and licence at each foot."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_margins(18, 18, 18)
    pdf.add_font("DejaVu", "", str(REGULAR))
    pdf.add_font("DejaVu", "B", str(BOLD))
    pdf.set_title(spec["title"])
    pdf.set_author(make.get("publisher", ""))
    pdf.set_auto_page_break(True, margin=20)
    footer = f"{make.get('publisher', '')} · {make.get('footer', 'Thư viện học tập mở')}"
    pdf.footer = lambda: _pdf_footer(pdf, footer)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 20)
    pdf.set_text_color(*make.get("colour", INK))
    pdf.multi_cell(0, 9, spec["title"], new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    if make.get("lead"):
        pdf.ln(2)
        pdf.set_font("DejaVu", "", 12)
        pdf.multi_cell(0, 6.5, make["lead"], new_x="LMARGIN", new_y="NEXT")
    for section in make["sections"]:
        if section.get("new_page"):
            pdf.add_page()
        pdf.ln(4)
        pdf.set_font("DejaVu", "B", 14)
        pdf.multi_cell(0, 7, section["heading"], new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 11.5)
        for paragraph in section.get("paragraphs", []):
            pdf.ln(1.5)
            pdf.multi_cell(0, 6, paragraph, new_x="LMARGIN", new_y="NEXT")
        for item in section.get("items", []):
            pdf.ln(1)
            pdf.set_x(22)
            pdf.multi_cell(0, 6, f"•  {item}", new_x="LMARGIN", new_y="NEXT")
    _write_atomically(target, bytes(pdf.output()))


def _pdf_footer(pdf, text: str) -> None:
    pdf.set_y(-14)
    pdf.set_font("DejaVu", "", 8.5)
    pdf.set_text_color(90, 90, 90)
    pdf.cell(0, 6, f"{text} · trang {pdf.page_no()}", align="C")
    pdf.set_text_color(*INK)


# Posters ---------------------------------------------------------------------------------


def _font(bold: bool, size: int):
    return ImageFont.truetype(str(BOLD if bold else REGULAR), size)


def _wrap(draw, text: str, font, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if draw.textlength(trial, font=font) <= width or not line:
            line = trial
        else:
            lines.append(line)
            line = word
    return lines + ([line] if line else [])


def make_poster(make: dict, spec: dict, target: Path) -> None:
    """A 1080×1350 poster: a coloured band with the headline, numbered points, the publisher."""
    colour = tuple(make.get("colour", (196, 30, 58)))
    image = Image.new("RGB", (1080, 1350), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 1080, 360), fill=colour)
    y = 60
    for line in _wrap(draw, make["headline"], _font(True, 64), 960):
        draw.text((60, y), line, font=_font(True, 64), fill=PAPER)
        y += 78
    y = 410
    body = _font(False, 40)
    for number, point in enumerate(make["points"], 1):
        draw.ellipse((60, y, 124, y + 64), fill=colour)
        draw.text((92, y + 32), str(number), font=_font(True, 36), fill=PAPER, anchor="mm")
        for line in _wrap(draw, point, body, 850):
            draw.text((150, y + 8), line, font=body, fill=INK)
            y += 52
        y += 36
    draw.rectangle((0, 1250, 1080, 1350), fill=(240, 240, 240))
    draw.text((60, 1282), make.get("publisher", ""), font=_font(True, 30), fill=INK)
    buffer = io.BytesIO()
    image.quantize(64).save(buffer, "PNG", optimize=True)
    _write_atomically(target, buffer.getvalue())


# Videos ------------------------------------------------------------------------------------


def _slide(make: dict, slide: dict, number: int, total: int) -> Image.Image:
    colour = tuple(make.get("colour", (20, 90, 160)))
    image = Image.new("RGB", VIDEO_SIZE, colour if number == 0 else PAPER)
    draw = ImageDraw.Draw(image)
    ink = PAPER if number == 0 else INK
    if number:
        draw.rectangle((0, 0, VIDEO_SIZE[0], 12), fill=colour)
    y = 40
    for line in _wrap(draw, slide["title"], _font(True, 32), 580):
        draw.text((30, y), line, font=_font(True, 32), fill=ink)
        y += 42
    y += 14
    for line in _wrap(draw, slide.get("text", ""), _font(False, 24), 580):
        draw.text((30, y), line, font=_font(False, 24), fill=ink)
        y += 32
    draw.text((610, 340), f"{number + 1}/{total}", font=_font(False, 16), fill=ink, anchor="rs")
    return image


def make_video(make: dict, spec: dict, target: Path) -> None:
    """Slides of text, each shown while its words are spoken (SLIDE_SECONDS at least; the
    whole time silent without espeak-ng), as a small H.264/AAC MP4 (faststart, so a phone
    starts playing before the end arrives), and captions saying each slide's words in its
    time."""
    import av

    slides = make["slides"]
    words = [s.get("say") or f"{s['title']}. {s['text']}" for s in slides]
    speech = [_speak(text) for text in words] if espeak() else None
    # (faststart rewrites the file at the end: a real file, not a buffer)
    tmp = target.with_suffix(f".mp4.{os.getpid()}.tmp")
    cues, at = [], 0
    with av.open(str(tmp), "w", format="mp4", options={"movflags": "+faststart"}) as out:
        video = _video_stream(out)
        sound = _sound_stream(out) if speech else None
        for number, slide in enumerate(slides):
            frames = _slide_frames(speech[number] if speech else b"")
            picture = av.VideoFrame.from_image(_slide(make, slide, number, len(slides)))
            for index in range(at, at + frames):
                picture.pts = index
                out.mux(video.encode(picture))
            if sound is not None:  # the slide's words, then silence to the slide's end
                _mux_sound(out, sound, speech[number], at, frames)
            cues.append((at / VIDEO_FPS, (at + frames) / VIDEO_FPS, words[number]))
            at += frames
        out.mux(video.encode())
        if sound is not None:
            out.mux(sound.encode(None))
    _write_atomically(target.with_suffix(".vtt"), webvtt_text(cues).encode())
    tmp.replace(target)


def _video_stream(out):
    stream = out.add_stream("libx264", rate=VIDEO_FPS)
    stream.width, stream.height = VIDEO_SIZE
    stream.pix_fmt = "yuv420p"
    stream.options = {"preset": "veryfast", "crf": "30", "tune": "stillimage"}
    stream.codec_context.time_base = Fraction(1, VIDEO_FPS)
    return stream


def _sound_stream(out):
    stream = out.add_stream("aac", rate=SAMPLE_RATE)
    stream.layout = "mono"
    stream.bit_rate = VIDEO_AUDIO_BITRATE
    # FFmpeg's quicker AAC coder: a fifth of the default's time, for speech as clear.
    stream.options = {"aac_coder": "fast"}
    return stream


def _slide_frames(pcm: bytes) -> int:
    """How many video frames a slide lasts: its words and a pause, SLIDE_SECONDS at least."""
    seconds = len(pcm) / 2 / SAMPLE_RATE + SLIDE_PAUSE if pcm else 0
    return max(SLIDE_SECONDS * VIDEO_FPS, -(-round(seconds * 1000) * VIDEO_FPS // 1000))


def _mux_sound(out, stream, pcm: bytes, first_frame: int, frames: int) -> None:
    """A slide's speech padded with silence to the slide's length, from the slide's start."""
    import av
    import numpy

    length = frames * SAMPLE_RATE // VIDEO_FPS
    samples = numpy.zeros((1, length), dtype=numpy.int16)
    spoken = numpy.frombuffer(pcm, dtype=numpy.int16)[:length]
    samples[0, : len(spoken)] = spoken
    frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
    frame.sample_rate = SAMPLE_RATE
    frame.pts = first_frame * SAMPLE_RATE // VIDEO_FPS
    frame.time_base = Fraction(1, SAMPLE_RATE)
    for packet in stream.encode(frame):
        out.mux(packet)


# Audio -------------------------------------------------------------------------------------


def make_audio(make: dict, spec: dict, target: Path) -> None:
    """Each sentence spoken by espeak-ng in Vietnamese, a short pause between them, as a mono
    MP3 of 48 kbit/s; the captions are the sentences at the times they are spoken."""
    pause = bytes(int(SAMPLE_RATE * 0.45) * 2)
    pcm, cues, at = b"", [], 0.0
    for sentence in make["sentences"]:
        spoken = _speak(sentence)
        length = len(spoken) / 2 / SAMPLE_RATE
        cues.append((at, at + length, sentence))
        pcm += spoken + pause
        at += length + len(pause) / 2 / SAMPLE_RATE
    _write_atomically(target, _mp3(pcm))
    _write_atomically(target.with_suffix(".vtt"), webvtt_text(cues).encode())


def _speak(sentence: str) -> bytes:
    """16-bit mono PCM at SAMPLE_RATE of one sentence (espeak-ng's own rate is 22,050 Hz)."""
    wav = subprocess.run(
        [espeak(), "-v", "vi", "-s", "145", "--stdout", sentence],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    with wave.open(io.BytesIO(wav)) as reader:
        assert reader.getframerate() == SAMPLE_RATE and reader.getsampwidth() == 2
        return reader.readframes(reader.getnframes())


def _mp3(pcm: bytes) -> bytes:
    import av
    import numpy

    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp3") as out:
        stream = out.add_stream("libmp3lame", rate=SAMPLE_RATE)
        stream.layout = "mono"
        stream.bit_rate = 48_000
        samples = numpy.frombuffer(pcm, dtype=numpy.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        for packet in (*stream.encode(frame), *stream.encode(None)):
            out.mux(packet)
    return buffer.getvalue()


# Captions ----------------------------------------------------------------------------------


def _timestamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    return f"{hours:02d}:{minutes:02d}:{millis // 1000:02d}.{millis % 1000:03d}"


def webvtt_text(cues) -> str:
    """A WebVTT file of (start, end, text) cues."""
    blocks = [f"{_timestamp(a)} --> {_timestamp(b)}\n{text}" for a, b, text in cues]
    return "WEBVTT\n\n" + "\n\n".join(blocks) + "\n"


MAKERS = {"pdf": make_pdf, "poster": make_poster, "video": make_video, "audio": make_audio}
