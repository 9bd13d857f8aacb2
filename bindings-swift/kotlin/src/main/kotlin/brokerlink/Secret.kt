package brokerlink

/**
 * A credential: a user secret, a session id, a portal link. It prints as `***` (so does every
 * record that holds one, in `toString()`, logs and string templates); [expose] gives the text,
 * for storing it. Hand-written beside the generated sources: uniffi maps brokerlink's
 * `Secret` onto it (`uniffi.toml`).
 */
class Secret(private val value: String) {
    /** The credential itself, for storing or sending it; never print it. */
    fun expose(): String = value

    override fun toString(): String = "***"

    override fun equals(other: Any?): Boolean = other is Secret && other.value == value

    override fun hashCode(): Int = value.hashCode()
}
