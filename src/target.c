/* SPDX-License-Identifier: Apache-2.0 */
/*
 * target.c - one process of a run: located, then sampled, held as little as
 * a consistent read allows.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arch.h"
#include "clock.h"
#include "err.h"
#include "proc.h"
#include "strbuf.h"
#include "target.h"
#include "topview.h"
#include "xalloc.h"

#define NONBLOCKING_TRIES 16	/* captures of a changing stack before giving up */
#define DUMP_STOP_TRIES 3	/* stops of a dump that timed out, asked again */
#define LABEL_COMMAND_MAX 60	/* bytes of the command line in a process label */

/*
 * process PID "its command line": arguments joined by spaces, cut to
 * LABEL_COMMAND_MAX bytes, a double quote in it made single; "?" for a
 * command line that cannot be read (a zombie, a kernel thread).
 */
static void make_label(struct target *tg)
{
	struct strbuf cmd;
	size_t n;

	strbuf_init(&cmd);
	if (proc_read(tg->t->pid, "cmdline", &cmd) < 0 || cmd.len == 0)
		strbuf_addstr(&cmd, "?");
	while (cmd.len && cmd.buf[cmd.len - 1] == '\0')
		cmd.len--;
	n = cmd.len < LABEL_COMMAND_MAX ? cmd.len : LABEL_COMMAND_MAX;
	for (size_t i = 0; i < n; i++)
		if (cmd.buf[i] == '\0')
			cmd.buf[i] = ' ';
		else if (cmd.buf[i] == '"')
			cmd.buf[i] = '\'';
	snprintf(tg->label, sizeof tg->label, "process %d \"%.*s%s\"", (int)tg->t->pid, (int)n,
		 cmd.buf, n < cmd.len ? "..." : "");
	strbuf_release(&cmd);
}

int target_init(struct target *tg, struct tracee *t, bool owns, uint64_t deadline_ns)
{
	memset(tg, 0, sizeof *tg);
	tg->t = t;
	tg->owns_tracee = owns;
	tg->r.fd = -1;
	tg->state = TARGET_LOCATING;
	tg->deadline_ns = deadline_ns;
	pysample_init(&tg->s);
	make_label(tg);
	return remote_open(&tg->r, t->pid);
}

static void drop_walker(struct target *tg)
{
	if (tg->walker) {
		pywalk_release(&tg->w);
		pythreads_release(&tg->names);
		cpustate_release(&tg->cpu);
	}
	tg->walker = false;
	mixed_close(&tg->mx);
}

void target_release(struct target *tg)
{
	drop_walker(tg);
	if (tg->inspecting)
		inspect_release(&tg->in);
	tg->inspecting = false;
	pysample_release(&tg->s);
	free(tg->rooted);
	free(tg->tt);
	free(tg->regs);
	remote_close(&tg->r);
	if (tg->owns_tracee) {
		tracee_release(tg->t);
		free(tg->t);
	}
	tg->t = NULL;
}

/* The interpreter is in tg->loc: sample from now on. */
static void start_sampling(struct target *tg, const struct sampling *sp)
{
	pywalk_init(&tg->w, &tg->r, &tg->loc, sp->st, sp->qualnames);
	if (sp->thread_names)
		pythreads_init(&tg->names, &tg->r, &tg->loc, tg->t->pid);
	cpustate_init(&tg->cpu, tg->t->pid);
	tg->walker = true;
	tg->state = TARGET_SAMPLING;
	if (sp->roots) {
		struct frame f = { .kind = FRAME_PROCESS };

		make_label(tg);
		f.file = stacks_intern_str(sp->st, "", 0);
		f.name = stacks_intern_str(sp->st, tg->label, strlen(tg->label));
		tg->root = stacks_intern_frame(sp->st, &f);
		tg->rooted_at = true;
	}
}

int target_locate(struct target *tg, const struct sampling *sp, const struct pyloc *known,
		  size_t n)
{
	int k = pylocate_match(tg->t->pid, known, n), rc = 0;

	if (k >= 0)
		tg->loc = known[k];
	else
		rc = pylocate(tg->t->pid, &tg->r, sp->abi, &tg->loc);
	if (rc == 0 && sp->native && mixed_open(&tg->mx, tg->t->pid, &tg->r, tg->loc.version) < 0) {
		char why[256];

		snprintf(why, sizeof why, "%s", pf_last_error());
		rc = pf_fail(PF_EPERM, "cannot unwind its native stacks: %s", why);
	}
	tg->locate_rc = rc;
	if (rc == 0)
		start_sampling(tg, sp);
	return rc;
}

int target_exec(struct target *tg, uint64_t deadline_ns)
{
	if (!tg->t->execd || tg->t->exited || tracee_accept_exec(tg->t) < 0)
		return -PF_EGONE;
	drop_walker(tg);
	remote_close(&tg->r);
	tg->state = TARGET_LOCATING;
	tg->deadline_ns = deadline_ns;
	return remote_open(&tg->r, tg->t->pid);
}

uint32_t target_origin(const struct target *tg, struct stacks *st, const struct pythread *t)
{
	const struct origin o = { tg->t->pid, (int32_t)t->native_id, t->thread_id,
				  tg->rooted_at ? tg->root + 1 : 0 };

	return stacks_intern_origin(st, &o);
}

uint32_t target_thread_root(struct target *tg, const struct sampling *sp,
			    const struct pythread *t, uint32_t origin)
{
	uint32_t root;

	if (!sp->thread_names)
		return UINT32_MAX;
	root = pythreads_root(&tg->names, sp->st, t, now_ns(CLOCK_MONOTONIC));
	stacks_set_origin_label(sp->st, origin, stacks_frame(sp->st, root)->name);
	return root;
}

/* ----------------------------------------------------------- sampling */

/* A thread's frames, leaf first, then the frame naming the thread (if
 * asked), then the one naming the process (if asked); *depth grows. */
static const uint32_t *rooted(struct target *tg, const struct sampling *sp,
			      const uint32_t *frames, uint32_t *depth, uint32_t thread_root)
{
	uint32_t n = *depth;

	XGROW(tg->rooted, tg->rooted_cap, (size_t)n + 2);
	memcpy(tg->rooted, frames, n * sizeof *frames);
	if (thread_root != UINT32_MAX)
		tg->rooted[n++] = thread_root;
	if (sp->roots)
		tg->rooted[n++] = tg->root;
	*depth = n;
	return tg->rooted;
}

/* Count each counted thread's stack (rooted at the thread's and the
 * process's frames if asked), or an idle sample when none has one. The
 * view gets the stacks as they are: its processes are told apart by the
 * origins. */
static void aggregate(struct target *tg, const struct sampling *sp, uint64_t ts_us)
{
	const struct pysample *s = &tg->s;
	bool any = false;

	for (size_t i = 0; i < s->nthreads; i++) {
		const struct pythread *t = &s->threads[i];
		const uint32_t *frames;
		size_t depth;
		uint32_t d, origin, troot;

		if (target_thread_stack(tg, sp, i, &frames, &depth) < 0) {
			tg->stats.lost++;
			stacks_add_failed(sp->st, ts_us);
			any = true;
			continue;
		}
		if (!depth)
			continue;
		any = true;
		origin = target_origin(tg, sp->st, t);
		if (sp->view) {
			top_add_stack(sp->view, frames, depth, origin, t->holds_gil);
			continue;
		}
		d = (uint32_t)depth;
		troot = target_thread_root(tg, sp, t, origin);
		if (sp->roots || troot != UINT32_MAX)
			frames = rooted(tg, sp, frames, &d, troot);
		stacks_add(sp->st, frames, d, origin, 1, ts_us);
	}
	if (!any) {
		tg->stats.idle++;
		if (!sp->exclude_idle && !sp->view)
			stacks_add_idle(sp->st, ts_us);
	}
}

int target_thread_stack(struct target *tg, const struct sampling *sp, size_t i,
			const uint32_t **frames, size_t *depth)
{
	const struct pythread *t = &tg->s.threads[i];
	const struct target_thread *tt = &tg->tt[i];
	int rc;

	*frames = tg->s.frames + t->first;
	*depth = tt->keep ? t->depth : 0;
	if (!tt->keep || !sp->native || !tt->tid)
		return 0;
	rc = mixed_stack(&tg->mx, sp->st, tt->tid, tg->s.frames + t->first,
			 tg->s.found + t->first, t->depth, frames, depth);
	return rc == -PF_ENOENT ? 0 : rc;
}

/* ------------------------------------------------- which threads count */

/*
 * How many threads are on a CPU now (call while they run): in state R,
 * running or waiting for a CPU. Not cpustate's CPU time grown since the
 * last look: stopping a sleeping thread for a sample wakes it and costs it
 * CPU time, so every sample would make the next one see it busy.
 */
static size_t look(struct target *tg)
{
	size_t n = 0;

	if (tg->cpu.count != tg->t->nthreads)
		for (size_t i = 0; i < tg->t->nthreads; i++)
			cpustate_add(&tg->cpu, tg->t->threads[i].tid);
	cpustate_sample(&tg->cpu);
	for (size_t i = 0; i < tg->cpu.count; i++)
		n += tg->cpu.threads[i].state == 'R';
	return n;
}

/* Whether the thread state of TID `tid` (0: unknown) was on a CPU at the
 * last look; an unknown one of the process's only Python thread was if
 * any thread was. */
static bool busy(const struct target *tg, pid_t tid)
{
	const struct cpustate_thread *c;

	if (!tid)
		return tg->s.nthreads == 1 && tg->busy > 0;
	c = cpustate_thread(&tg->cpu, tid);
	return c && c->state == 'R';
}

/* Each held thread's registers, into tg->regs (len 0: not held). */
static void read_regs(struct target *tg)
{
	XGROW(tg->regs, tg->regs_cap, tg->t->nthreads + 1);
	for (size_t i = 0; i < tg->t->nthreads; i++)
		if (tracee_regs(tg->t, tg->t->threads[i].tid, &tg->regs[i]) < 0)
			tg->regs[i].len = 0;
}

/* The registers read of `tid`, or NULL. */
static const struct regs *regs_of(const struct target *tg, pid_t tid)
{
	for (size_t i = 0; i < tg->t->nthreads; i++)
		if (tg->t->threads[i].tid == tid)
			return tg->regs[i].len ? &tg->regs[i] : NULL;
	return NULL;
}

/* Before 3.11 a thread state records no TID: the held thread whose thread
 * pointer is its pthread_t is the one. */
static void match_tids(struct target *tg)
{
	for (size_t i = 0; i < tg->s.nthreads; i++) {
		if (tg->tt[i].tid)
			continue;
		for (size_t k = 0; k < tg->t->nthreads; k++)
			if (tg->regs[k].len &&
			    arch_regs_thread_pointer(&tg->regs[k]) == tg->s.threads[i].thread_id)
				tg->tt[i].tid = tg->t->threads[k].tid;
	}
}

/* With --native: copy each counted thread's stack while it is held. */
static int copy_kept(struct target *tg)
{
	mixed_begin(&tg->mx);
	for (size_t i = 0; i < tg->s.nthreads; i++) {
		const struct regs *r = tg->tt[i].keep ? regs_of(tg, tg->tt[i].tid) : NULL;
		int rc;

		if (r && (rc = mixed_copy(&tg->mx, tg->tt[i].tid, r)) == -PF_EGONE)
			return rc;
	}
	return 0;
}

/* With --native, once the process runs again: unwind the stacks copied. */
static int unwind_copied(struct target *tg, const struct sampling *sp)
{
	int rc;

	if (!sp->native)
		return 0;
	rc = mixed_unwind(&tg->mx);
	tg->stats.native_late = tg->mx.n.late_unwinds;
	return rc;
}

/*
 * choose - which threads of the capture in tg->s count: with --threads
 * all; else the GIL holder, or when no thread holds the GIL the first one
 * on a CPU (running C code without it): one stack a sample, as ever. Threads without a Python frame count only
 * with their native frames. `held`: the threads are held, so their
 * registers can be read (TIDs before 3.11, native stacks).
 */
static int choose(struct target *tg, const struct sampling *sp, bool held)
{
	const struct pysample *s = &tg->s;
	bool holder = false, unknown = false;

	XGROW(tg->tt, tg->tt_cap, s->nthreads + 1);
	for (size_t i = 0; i < s->nthreads; i++) {
		tg->tt[i].tid = (pid_t)s->threads[i].native_id;
		unknown |= !tg->tt[i].tid;
		holder |= s->threads[i].holds_gil;
	}
	if (held && (sp->native || (unknown && !holder && !sp->all_threads))) {
		read_regs(tg);
		match_tids(tg);
	}
	for (size_t i = 0, taken = 0; i < s->nthreads; i++) {
		const struct pythread *t = &s->threads[i];
		bool want = sp->all_threads || (holder ? t->holds_gil :
						 !taken && busy(tg, tg->tt[i].tid));

		tg->tt[i].keep = want && (t->depth || (sp->native && tg->tt[i].tid));
		taken += tg->tt[i].keep && !sp->all_threads;
	}
	return held && sp->native ? copy_kept(tg) : 0;
}

/*
 * With the process held since t0 (only partly if *rc is -PF_ETORN: a thread
 * would not stop in time, a lost sample), capture and let it go. Returns the
 * capture's result; *rc becomes what tracee_resume() says of the process.
 */
static int read_held(struct target *tg, const struct sampling *sp, bool wide, uint64_t t0,
		     int *rc)
{
	uint64_t t1 = now_ns(CLOCK_MONOTONIC), t2;
	int walk = *rc < 0 ? *rc : pywalk_capture(&tg->w, wide, &tg->s);

	if (walk == 0)
		walk = choose(tg, sp, true);
	*rc = tracee_resume(tg->t);
	t2 = now_ns(CLOCK_MONOTONIC);
	histo_add(sp->stopped, t2 - t1);
	histo_add(sp->cycle, t2 - t0);
	return walk == 0 ? unwind_copied(tg, sp) : walk;
}

/* Whether every thread is to be read: --threads, or no thread is known to
 * hold the GIL and some thread was on a CPU. */
static bool wide(const struct target *tg, const struct sampling *sp)
{
	return sp->all_threads || (tg->arm_owner != 1 && tg->busy > 0);
}

/* Who holds the GIL, and (when that does not settle it) who is on a CPU. */
static void decide(struct target *tg, const struct sampling *sp)
{
	tg->arm_owner = pywalk_gil_owner(&tg->w, &tg->arm_ts, &tg->arm_tid);
	tg->busy = sp->all_threads || tg->arm_owner == 1 ? 0 : look(tg);
	tg->armed = true;
}

/* Whether holding the GIL's holder alone will do: it alone can change a
 * Python stack, but with --native --threads every thread is unwound. */
static bool holder_alone(const struct target *tg, const struct sampling *sp)
{
	return tg->arm_owner == 1 && !(sp->native && sp->all_threads);
}

void target_arm(struct target *tg, const struct sampling *sp)
{
	decide(tg, sp);
	if (holder_alone(tg, sp))
		tracee_interrupt(tg->t, tg->arm_tid);
	else if (tg->arm_owner == -1 || wide(tg, sp))
		tracee_interrupt(tg->t, 0);
}

bool target_ready(const struct target *tg)
{
	return tracee_interrupts_seen(tg->t);
}

/*
 * Hold what a consistent capture needs held. With a GIL only its holder can
 * change a Python stack: hold that thread alone when it is known (3.11+,
 * one interpreter) and still holds the GIL once stopped, unless every
 * thread is to be unwound (holder_alone); else every thread.
 * *idle: the GIL is free, only its holder is sampled and no thread is on a
 * CPU, so there is nothing to read and nothing is stopped. Returns as
 * tracee_stop() does. Uses what target_arm() chose, if it ran.
 */
static int hold(struct target *tg, const struct sampling *sp, bool *idle)
{
	int rc;

	if (!tg->armed)
		decide(tg, sp);
	tg->armed = false;
	*idle = tg->arm_owner == 0 && !wide(tg, sp);
	if (*idle)
		return 0;
	if (holder_alone(tg, sp)) {
		rc = tracee_stop_thread(tg->t, tg->arm_tid);
		if (rc == -PF_EGONE || rc == -PF_EEXEC)
			return rc;
		if (rc == 0 && pywalk_gil_still_owned(&tg->w, tg->arm_ts)) {
			tg->stats.held_one++;
			return 0;
		}
	}
	return tracee_stop(tg->t);
}

/*
 * Capture without stopping. Only a capture read in one batch is one
 * snapshot; one that needed more reads (the plan missed a page: a new
 * frame, a deeper stack), or whose frames do not fit together (the stack
 * changed while the batch was copied), is taken again at once.
 */
static int capture_running(struct target *tg, bool all_threads)
{
	int rc = 0;

	for (int i = 0; i < NONBLOCKING_TRIES; i++) {
		if (i > 0)
			tg->stats.retries++;
		rc = pywalk_capture(&tg->w, all_threads, &tg->s);
		if (rc == 0 && !tg->s.whole)
			rc = pf_fail(PF_ETORN, "a capture needed more than one read");
		if (rc != -PF_ETORN)
			break;
	}
	return rc;
}

/*
 * --nonblocking: the GIL holder's stack; when none holds it, every thread
 * if some thread is on a CPU (look(): reads /proc, so only then).
 */
static int read_running(struct target *tg, const struct sampling *sp, bool all_threads)
{
	int rc;

	tg->arm_owner = -1;
	tg->busy = 0;
	rc = capture_running(tg, all_threads);
	if (rc == 0 && !all_threads && tg->s.nthreads == 0 && (tg->busy = look(tg)) > 0)
		rc = capture_running(tg, true);
	return rc < 0 ? rc : choose(tg, sp, false);
}

/* Count the sample just read: failed, or its stacks. */
static void count(struct target *tg, const struct sampling *sp, int walk, uint64_t ts_us)
{
	tg->stats.samples++;
	if (walk < 0) {
		tg->stats.failed++;
		if (!sp->view)
			stacks_add_failed(sp->st, ts_us);
		return;
	}
	tg->stats.trimmed += tg->s.trimmed > 0;
	pywalk_resolve(&tg->w, &tg->s);
	aggregate(tg, sp, ts_us);
}

int target_sample(struct target *tg, const struct sampling *sp, uint64_t ts_us)
{
	uint64_t t0 = now_ns(CLOCK_MONOTONIC);
	int rc = 0, walk;
	bool idle;

	if (sp->nonblocking) {
		walk = read_running(tg, sp, sp->all_threads);
	} else {
		rc = hold(tg, sp, &idle);
		if (rc == -PF_EGONE || rc == -PF_EEXEC)
			return rc;
		if (idle)
			pysample_clear(&tg->s);
		walk = idle ? 0 : read_held(tg, sp, wide(tg, sp), t0, &rc);
	}
	count(tg, sp, walk, ts_us);
	return rc;
}

/* Stop every thread for a dump: one that did not stop in time (a busy
 * machine's run queue) is asked again, DUMP_STOP_TRIES times in all, as a
 * dump has no later sample to make up for it. Resumed on failure. */
static int stop_for_dump(struct tracee *t)
{
	int rc = -PF_ETORN;

	for (int i = 0; i < DUMP_STOP_TRIES && rc == -PF_ETORN; i++) {
		if ((rc = tracee_stop(t)) < 0)
			tracee_resume(t);
	}
	return rc;
}

/* One capture of every thread, resolved; with `in`, what it reads is read
 * too while the process is held (or, nonblocking, right after). */
static int capture(struct target *tg, const struct sampling *sp, struct inspect *in)
{
	int rc;

	if (sp->nonblocking) {
		rc = read_running(tg, sp, true);
		if (rc == 0 && in)
			rc = inspect_held(in, &tg->s);
	} else {
		uint64_t t0 = now_ns(CLOCK_MONOTONIC), c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);

		if ((rc = stop_for_dump(tg->t)) < 0)
			return rc;
		rc = pywalk_capture(&tg->w, true, &tg->s);
		if (rc == 0)
			rc = choose(tg, sp, true);
		if (rc == 0 && in)
			rc = inspect_held(in, &tg->s);
		tracee_resume(tg->t);
		tg->held_ns = now_ns(CLOCK_MONOTONIC) - t0;
		tg->held_cpu_ns = now_ns(CLOCK_PROCESS_CPUTIME_ID) - c0;
		if (rc == 0)
			rc = unwind_copied(tg, sp);
	}
	if (rc == 0)
		pywalk_resolve(&tg->w, &tg->s);
	return rc;
}

int target_capture(struct target *tg, const struct sampling *sp)
{
	return capture(tg, sp, NULL);
}

int target_inspect(struct target *tg, const struct sampling *sp, bool locals)
{
	bool preview;
	int rc;

	if (tg->inspecting)
		inspect_release(&tg->in);
	inspect_init(&tg->in, tg->t->pid, &tg->r, &tg->loc, locals, 0);
	tg->inspecting = true;
	/* a first walk of the running target, its stacks thrown away: the
	 * code objects it meets are known, and room made, before the hold */
	preview = !sp->nonblocking && pywalk_capture(&tg->w, true, &tg->s) == 0;
	if ((rc = inspect_before(&tg->in, preview ? &tg->s : NULL)) < 0)
		return rc;
	return capture(tg, sp, &tg->in);
}
