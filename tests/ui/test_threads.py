"""The app's executor: every thread worker runs on a thread of its own that ends with it."""

import asyncio
import threading

import pytest

from tui_trainer.ui.threads import ThreadPerTaskExecutor


def test_each_task_gets_a_thread_that_ends_with_it():
    executor = ThreadPerTaskExecutor()
    first = executor.submit(threading.current_thread)
    second = executor.submit(threading.current_thread)
    one, two = first.result(timeout=10), second.result(timeout=10)
    assert one is not two and one is not threading.main_thread()
    one.join(timeout=10)
    two.join(timeout=10)
    assert not one.is_alive() and not two.is_alive()
    executor.shutdown()


def test_exceptions_reach_the_caller_and_shutdown_refuses_new_work():
    executor = ThreadPerTaskExecutor()
    with pytest.raises(ZeroDivisionError):
        executor.submit(lambda: 1 / 0).result(timeout=10)
    executor.shutdown(wait=True)
    with pytest.raises(RuntimeError, match="after shutdown"):
        executor.submit(print)


def test_asyncio_accepts_it_as_the_default_executor():
    async def main():
        loop = asyncio.get_running_loop()
        loop.set_default_executor(ThreadPerTaskExecutor())
        return await loop.run_in_executor(None, lambda: 6 * 7)

    assert asyncio.run(main()) == 42
