// Check bookkeeping shared by the Node tests: each check prints "ok" or "FAIL" with the reason and is counted,
// so one failure does not hide the others. `counts` (passed, failed, failures) is read at the end for the
// summary and the exit code.
export function createChecks(log = (line) => process.stdout.write(line + "\n")) {
    const counts = { passed: 0, failed: 0, failures: [] };
    async function check(name, fn) {
        try {
            const value = await fn();
            counts.passed += 1;
            log(`ok   ${name}`);
            return value;
        } catch (err) {
            counts.failed += 1;
            // Programming errors keep their stack; assertion failures only need their message.
            const isBug = err instanceof TypeError || err instanceof ReferenceError || err instanceof SyntaxError;
            const message = isBug && err.stack ? err.stack : String((err && err.message) || err);
            counts.failures.push({ name, message });
            log(`FAIL ${name}\n       ${message.split("\n").join("\n       ")}`);
            return undefined;
        }
    }
    return { check, counts, log };
}
