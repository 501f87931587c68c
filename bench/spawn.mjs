// Shared by the benchmarks: start a node process and wait for its ready line; read /proc figures.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'

/** Every process started here, so a run can kill what is left when it ends. */
export const children = []

/** Start a node process and wait until its output matches `ready` (its port in group 1). */
export function start(args, env, ready, nodeArgs = []) {
  const child = spawn(process.execPath, [...nodeArgs, ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  let out = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args[0]} did not start within 20 s:\n${out}`)), 20_000)
    const on = (c) => {
      if (out.length < 65_536) out += c
      const m = ready.exec(out)
      if (m) {
        clearTimeout(timer)
        // Keep draining the pipes (a full pipe would block the child), without keeping the text.
        child.stdout.removeListener('data', on).on('data', () => {})
        child.stderr.removeListener('data', on).on('data', () => {})
        const stop = () => new Promise((r) => (child.exitCode !== null ? r() : (child.once('exit', () => r()), child.kill('SIGTERM'))))
        resolve({ child, port: Number(m[1]), stop })
      }
    }
    child.stdout.on('data', on)
    child.stderr.on('data', on)
    child.once('exit', (code) => reject(new Error(`${args[0]} exited ${code}:\n${out}`)))
  })
}

/** A `/proc/<pid>/status` field in MiB (VmRSS, VmHWM). */
export const statusMb = (pid, field) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024

/** CPU time (user + system) a process has used so far, in µs (from /proc/<pid>/stat, 100 ticks a second). */
export function cpuMicros(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10_000
}
