/* SPDX-License-Identifier: Apache-2.0 */
/*
 * target.h - one process of a run: its tracee, memory reader, interpreter
 * and walker, whether it is being located or sampled, and its figures.
 *
 * Everything here records errors (pf_fail) and prints nothing; the sampler
 * decides what reaches stderr. A target reads its process only through its
 * own remote and tracee.
 */
#ifndef PF_TARGET_H
#define PF_TARGET_H

#include "compat.h"
#include "cpustate.h"
#include "histo.h"
#include "inspect.h"
#include "mixed.h"
#include "ptrace.h"
#include "pylocate.h"
#include "pythreads.h"
#include "pywalk.h"
#include "remote.h"
#include "stacks.h"

enum target_state {
	TARGET_LOCATING,	/* no interpreter found yet (maybe still starting) */
	TARGET_SAMPLING,
	TARGET_SKIPPED,		/* not Python: detached, not looked at again */
	TARGET_GONE,		/* exited */
};

/* How samples are taken and counted; shared by every target of a run. */
struct sampling {
	struct stacks *st;
	bool all_threads;	/* --threads */
	bool nonblocking;
	bool native;		/* --native: native frames merged in (never
				 * with nonblocking: unwinding needs a hold) */
	bool exclude_idle;	/* -x */
	bool qualnames;
	bool roots;		/* root every stack at a frame naming its process */
	bool thread_names;	/* --thread-names: and at one naming its thread */
	unsigned abi;		/* --abi, 0 = detect */
	struct histo *stopped;	/* all threads held, until resumed */
	struct histo *cycle;	/* from the interrupt until resumed */
	struct top *view;	/* --top: stacks go to the view (topview.h), not into st */
};

struct target_stats {
	uint64_t samples, idle, failed, retries, trimmed, held_one;
	uint64_t lost;		/* threads whose native and Python stacks
				 * could not be paired (counted failed) */
	uint64_t native_late;	/* unwinds that read the stack beyond the copy
				 * made while held (native.h) */
};

/* What the last sample decided of each of its Python threads. */
struct target_thread {
	pid_t tid;		/* kernel TID; 0 where it could not be told */
	bool keep;		/* counted in this sample */
};

struct target {
	struct tracee *t;	/* borrowed or owned, see target_init */
	bool owns_tracee;
	struct remote r;
	struct pyloc loc;
	struct pywalk w;
	struct pysample s;
	bool walker;		/* w initialised */
	struct pythreads names;	/* with thread_names, while w is */
	enum target_state state;
	uint64_t deadline_ns;	/* LOCATING: Python by then, or skipped */
	int locate_rc;		/* what the last look for the interpreter said */
	uint32_t root;		/* the frame naming the process, if rooted_at */
	bool rooted_at;		/* sampling.roots: stacks start at root */
	char label[160];	/* process PID "command line" */
	uint32_t *rooted;	/* scratch: a stack with the root added */
	size_t rooted_cap;
	struct target_stats stats;
	bool armed;		/* target_arm() chose: */
	int arm_owner;		/* pywalk_gil_owner()'s answer, */
	uint64_t arm_ts;	/* the holder's thread state, */
	pid_t arm_tid;		/* and its TID */
	struct inspect in;	/* -d --locals / --json: what target_inspect read */
	bool inspecting;	/* in initialised */
	uint64_t held_ns;	/* how long the last capture held the process, */
	uint64_t held_cpu_ns;	/* and our CPU time meanwhile */
	size_t busy;		/* threads on a CPU at the last look */
	struct cpustate cpu;	/* which threads are on a CPU (SAMPLING) */
	struct mixed mx;	/* native stacks (sampling.native) */
	struct target_thread *tt;	/* per thread of s, see choose() */
	size_t tt_cap;
	struct regs *regs;	/* per tracee thread: its registers, len 0 if
				 * not read this sample */
	size_t regs_cap;
};

/*
 * target_init - a target over tracee `t` (attached; owned and freed by
 * target_release when `owns`), LOCATING until `deadline_ns`
 * (CLOCK_MONOTONIC). Opens its memory reader. 0 or -PF_E*.
 */
int target_init(struct target *tg, struct tracee *t, bool owns, uint64_t deadline_ns);
void target_release(struct target *tg);

/*
 * target_locate - one look for the interpreter. One of known[0..n) (the
 * other targets' interpreters) is taken as it is when the process maps it at
 * the same place: a fork is sampled at once. 0: found, the target now
 * SAMPLING; -PF_EUNSUPPORTED / -PF_EPERM: found but not to be read (final);
 * with sampling.native also -PF_EPERM when its native stacks cannot be
 * unwound (its maps unreadable, or pyflame built without native support);
 * another code: not (yet) found. Never waits.
 */
int target_locate(struct target *tg, const struct sampling *sp, const struct pyloc *known,
		  size_t n);

/*
 * target_exec - the process exec'd (t->execd): let the new program run,
 * and look for an interpreter in it afresh until `deadline_ns`. 0, or
 * -PF_EGONE.
 */
int target_exec(struct target *tg, uint64_t deadline_ns);

/*
 * target_sample - one sample of a SAMPLING target: read its stacks (pausing
 * it unless nonblocking), let it go, count them into sp->st at `ts_us`
 * (with sp->view, add them to the view instead: the caller ends the view's
 * sample once every process of the pass is read).
 * Returns 0 (a failed read is counted, not returned), or -PF_EGONE /
 * -PF_EEXEC when the process has gone or exec'd.
 */
int target_sample(struct target *tg, const struct sampling *sp, uint64_t ts_us);

/*
 * target_arm - before target_sample() of a paused sample: choose the
 * threads to hold (see target_sample) and ask them to stop, without
 * waiting, so that the processes of a pass stop together rather than one
 * after another. target_sample() then holds those.
 */
void target_arm(struct target *tg, const struct sampling *sp);

/* target_ready - whether every thread target_arm() asked to stop has been
 * seen stopping (tracer_await()): target_sample() will not wait. */
bool target_ready(const struct target *tg);

/*
 * target_capture - for -d: read every thread's stacks once, resolved, into
 * tg->s (the process held meanwhile unless nonblocking), their native
 * stacks too with sampling.native; target_thread_stack() gives each. 0 or
 * -PF_E*.
 */
int target_capture(struct target *tg, const struct sampling *sp);

/*
 * target_inspect - for -d --locals and -d --json: target_capture() with
 * what inspect.h reads around the stop (the threads and command line
 * before it, the frames' names and, when `locals`, their variables' pages
 * while held) into tg->in, for inspect_model() to make the model from. The
 * process is held only for the capture and those reads. 0 or -PF_E*.
 */
int target_inspect(struct target *tg, const struct sampling *sp, bool locals);

/*
 * target_thread_stack - after target_sample() or target_capture(): the stack
 * to count for thread i of tg->s (*depth 0: none, the thread is not
 * counted): its Python frames, or with sampling.native its native frames
 * merged with them (mixed.h). *frames is valid until the next call.
 * 0, or -PF_ETORN when the native and Python stacks could not be paired.
 */
int target_thread_stack(struct target *tg, const struct sampling *sp, size_t i,
			const uint32_t **frames, size_t *depth);

/* The origin of thread `t` of this target's sample, interned in `st`. */
uint32_t target_origin(const struct target *tg, struct stacks *st, const struct pythread *t);

/*
 * target_thread_root - with sp->thread_names, the frame naming thread `t`
 * of this target's sample (pythreads_root: may read the target, running),
 * which also becomes the label of `origin` (stacks_set_origin_label);
 * UINT32_MAX without.
 */
uint32_t target_thread_root(struct target *tg, const struct sampling *sp,
			    const struct pythread *t, uint32_t origin);

#endif
