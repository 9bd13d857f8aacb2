package brokerlink

import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow

/**
 * The pages of an account's activities as a `Flow`:
 * `client.activityPages(user, accountId).asFlow().collect { page -> … }`. It reads on from
 * wherever the reader is, so collect it once.
 */
fun ActivityPages.asFlow(): Flow<List<Activity>> = flow {
    while (true) {
        val page = next() ?: break
        emit(page)
    }
}
