package brokerlink

import brokerlink.conformance.runAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Test
import java.io.File

/**
 * Runs the Kotlin conformance runner (tests/conformance/kotlin) over every scenario and writes
 * its raw transcripts to target/conformance/kotlin; `conformance check` (bindings-swift/build.sh)
 * then compares them with the golden transcripts.
 */
class ConformanceTest {
    @Test
    fun `every scenario runs and leaves a transcript without runner errors`() {
        val root = File(System.getProperty("brokerlink.repo.root"))
        val out = File(System.getProperty("brokerlink.conformance.out"))
        out.listFiles()?.forEach { it.delete() }
        val scenarios = File(root, "tests/conformance/scenarios")
        val count = runAll(scenarios, out)
        val written = out.listFiles { f -> f.name.endsWith(".jsonl") }!!
        assertEquals(count, written.size)
        for (file in written) {
            assertFalse(file.readText().contains("\"runner_error\""), "${file.name}: ${file.readText()}")
        }
    }
}
