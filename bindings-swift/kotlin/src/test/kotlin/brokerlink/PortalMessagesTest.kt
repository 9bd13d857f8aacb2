package brokerlink

import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory
import java.io.File

/**
 * `parsePortalResult` against the shared fixture tests/conformance/portal-messages.json, which
 * the Rust, Python, Node and browser tests read too (`expect` is spelled as the Node package's
 * PortalResult, or `{"error": kind}`).
 */
class PortalMessagesTest {
    private fun str(value: String?): JsonElement = value?.let(::JsonPrimitive) ?: JsonNull

    private fun outcome(input: String): JsonObject = try {
        when (val r = parsePortalResult(input)) {
            is PortalResult.Success -> JsonObject(
                mapOf("type" to str("success"), "connectionId" to str(r.connectionId), "userId" to str(r.userId)),
            )
            is PortalResult.Error -> JsonObject(
                mapOf(
                    "type" to str("error"),
                    "code" to str(r.code),
                    "message" to str(r.message),
                    "statusCode" to (r.statusCode?.toInt()?.let(::JsonPrimitive) ?: JsonNull),
                ),
            )
            is PortalResult.Closed -> JsonObject(mapOf("type" to str("closed")))
            is PortalResult.Abandoned -> JsonObject(mapOf("type" to str("abandoned")))
            is PortalResult.Resize -> JsonObject(mapOf("type" to str("resize"), "height" to JsonPrimitive(r.height.toLong())))
        }
    } catch (e: BrokerlinkException) {
        JsonObject(mapOf("error" to str(e.kind().toString())))
    }

    @TestFactory
    fun `parsePortalResult matches the shared fixture`(): List<DynamicTest> {
        val fixture = File(System.getProperty("brokerlink.repo.root"), "tests/conformance/portal-messages.json")
        val cases = Json.parseToJsonElement(fixture.readText()).jsonObject["cases"]!!.jsonArray
        return cases.map { case ->
            val c = case.jsonObject
            val name = "${c["kind"]!!.jsonPrimitive.content}: ${c["name"]!!.jsonPrimitive.content}"
            DynamicTest.dynamicTest(name) {
                // Compared as parsed JSON, so 401 and 401.0 are not told apart by spelling.
                val want = Json.parseToJsonElement(c["expect"].toString())
                assertEquals(want, Json.parseToJsonElement(outcome(c["input"]!!.jsonPrimitive.content).toString()))
            }
        }
    }
}
