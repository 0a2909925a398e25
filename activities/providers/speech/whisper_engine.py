"""Offline speech engine: faster-whisper (CTranslate2) with a local model folder, loaded once.

Started by activities/providers/speech/local.ts as one long-lived child per worker. Protocol: one
JSON object per line. stdin takes jobs {"id", "path", "channels", "mode"?, "prompt"?, "hotwords"?}; stdout answers
{"id", "ok": true, "channels": [[segment, ...], ...], "duration": s} or {"id", "ok": false,
"kind": "bad_audio" | "engine", "error": "..."}. The first line written is {"ready": true, ...}
once the model is loaded. Mode "utterance" is the live receptionist's: one short VAD-cut
utterance, greedy decoding without word times, Silero trimming what is not speech. Nothing is
ever fetched from a model hub (HF_HUB_OFFLINE is set by the parent and again here); logs go to
stderr.
"""

import json
import os
import signal
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

os.environ["HF_HUB_OFFLINE"] = "1"

from faster_whisper import WhisperModel  # noqa: E402
from faster_whisper.audio import decode_audio  # noqa: E402

SAMPLE_RATE = 16000
out_lock = threading.Lock()


def reply(obj):
    line = json.dumps(obj, ensure_ascii=False)
    with out_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def transcribe_utterance(model, audio, prompt):
    """One caller utterance on a live call: latency first (greedy, no word times)."""
    segments, _info = model.transcribe(
        audio,
        language="en",
        beam_size=1,
        best_of=1,
        temperature=0.0,
        without_timestamps=True,
        vad_filter=True,
        vad_parameters={"min_silence_duration_ms": 300},
        condition_on_previous_text=False,
        initial_prompt=prompt or None,
    )
    text = " ".join(seg.text.strip() for seg in segments if seg.text.strip())
    return [{"s": 0, "e": int(len(audio) / SAMPLE_RATE * 1000), "text": text, "words": []}] if text else []


def transcribe_channel(model, audio, hotwords=None):
    """Segments with word times (ms) for one channel's samples; `hotwords` are the names to expect."""
    segments, _info = model.transcribe(
        audio,
        language="en",
        beam_size=5,
        word_timestamps=True,
        # Each party's channel is silent while the other talks: skip silence instead of letting
        # the decoder invent words for it, and do not let one bad window steer the next.
        vad_filter=True,
        vad_parameters={"min_silence_duration_ms": 500},
        condition_on_previous_text=False,
        # Unlike initial_prompt (first window only without conditioning), hotwords prime every window.
        hotwords=hotwords or None,
    )
    result = []
    for seg in segments:
        text = seg.text.strip()
        if not text:
            continue
        words = [
            {"w": w.word.strip(), "s": int(w.start * 1000), "e": int(w.end * 1000), "p": round(w.probability, 3)}
            for w in (seg.words or [])
            if w.word.strip()
        ]
        result.append({"s": int(seg.start * 1000), "e": int(seg.end * 1000), "text": text, "words": words})
    return result


def main():
    # The parent decides when the engine stops (by closing stdin), not a terminal's Ctrl-C.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    model_dir = sys.argv[1]
    workers = max(1, int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    threads = max(1, int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    try:
        model = WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=threads, num_workers=workers)
    except Exception as err:  # noqa: BLE001 - reported to the parent in one line
        reply({"ready": False, "error": f"could not load the speech model from {model_dir}: {err}"})
        return 1
    reply({"ready": True, "workers": workers, "threads": threads})

    channel_pool = ThreadPoolExecutor(max_workers=workers)
    job_pool = ThreadPoolExecutor(max_workers=workers * 2)

    def run_job(job):
        job_id = job.get("id")
        try:
            try:
                split = int(job.get("channels", 1)) > 1
                decoded = decode_audio(job["path"], sampling_rate=SAMPLE_RATE, split_stereo=split)
            except Exception as err:  # noqa: BLE001 - any decoder failure means the file is unusable
                first = str(err).splitlines()[0][:200] if str(err) else type(err).__name__
                reply({"id": job_id, "ok": False, "kind": "bad_audio", "error": f"cannot decode the recording ({first})"})
                return
            channels = list(decoded) if split else [decoded]
            # A file with one channel decodes as two identical halves: treat it as mono.
            if split and len(channels) == 2 and channels[0].shape == channels[1].shape and (channels[0] == channels[1]).all():
                channels = [channels[0]]
            samples = max((len(c) for c in channels), default=0)
            if samples < SAMPLE_RATE // 10 and job.get("mode") != "utterance":
                reply({"id": job_id, "ok": False, "kind": "bad_audio", "error": "the recording holds no audio"})
                return
            if job.get("mode") == "utterance":
                segments = transcribe_utterance(model, channels[0], job.get("prompt"))
                reply({"id": job_id, "ok": True, "channels": [segments], "duration": samples / SAMPLE_RATE})
                return
            futures = [channel_pool.submit(transcribe_channel, model, c, job.get("hotwords")) for c in channels]
            reply({"id": job_id, "ok": True, "channels": [f.result() for f in futures], "duration": samples / SAMPLE_RATE})
        except Exception as err:  # noqa: BLE001 - the job fails, the engine goes on
            reply({"id": job_id, "ok": False, "kind": "engine", "error": f"{type(err).__name__}: {str(err)[:300]}"})

    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            job = json.loads(line)
        except json.JSONDecodeError:
            continue
        job_pool.submit(run_job, job)
    job_pool.shutdown(wait=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
