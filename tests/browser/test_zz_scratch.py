from tests.browser.test_web_app import sign_in


async def test_shot(browser, demo) -> None:
    await demo.run_engine()
    context = await browser.new_context(
        viewport={"width": 390, "height": 844}, timezone_id="Australia/Sydney", locale="en-GB"
    )
    phone = await context.new_page()
    await sign_in(phone, demo, "liam")
    await phone.get_by_role("button", name="Details").first.click()
    await phone.locator("dialog").wait_for()
    await phone.screenshot(path="/tmp/detail-phone.png")
    print(
        await phone.evaluate(
            "() => [document.querySelector('dialog').scrollWidth, document.querySelector('dialog').clientWidth, document.querySelector('dialog').scrollHeight, document.querySelector('dialog').clientHeight]"
        )
    )
    await context.close()
