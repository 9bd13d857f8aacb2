import brokerlink.Client
import brokerlink.ClientOptions
import brokerlink.Sandbox
import com.sun.jna.NativeLibrary
import kotlinx.coroutines.runBlocking
import kotlin.system.exitProcess

/**
 * Starts the in-process Sandbox and registers a user, as an app's test would, then says where
 * JNA found the native library: extracted from the jar, since nothing pointed it elsewhere.
 */
fun main() = runBlocking {
    for (property in listOf("jna.library.path", "jna.boot.library.path", "uniffi.component.brokerlink.libraryOverride")) {
        System.getProperty(property)?.let { fail("$property is set ($it): the jar alone must do") }
    }
    val sandbox = Sandbox.start()
    val client = Client.snaptrade(sandbox.clientId(), sandbox.consumerKey(), ClientOptions(baseUrl = sandbox.url()))
    val user = client.registerUser("jvm-consumer")
    if (user.userId != "jvm-consumer" || user.userSecret == null) fail("unexpected user: $user")
    val listed = client.listUsers()
    if ("jvm-consumer" !in listed) fail("the registered user is not listed: $listed")
    val library = NativeLibrary.getInstance("brokerlink_ffi").file
    println("registered ${user.userId} with the sandbox at ${sandbox.url()}; JNA loaded ${library.name} from ${library.parent}")
    client.close()
    sandbox.shutdown()
    sandbox.close()
}

private fun fail(message: String): Nothing {
    System.err.println("FAIL: $message")
    exitProcess(1)
}
