"""Invoices, invoice lines and payments of one customer.

The lifecycle simulation adds invoices as billing periods start; the ledger
settles each one (card charges with retries, or bank transfers) and records
refunds, then numbers everything in issue order and renders the rows.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from recurring_revenue.generate.values import DAY, basis_points_of, date_text, money

# line: (subscription_id, plan_id, line_type, description, start day or 0,
#        end day (exclusive) or 0, quantity, amount, discount, tax), money in cents
Line = tuple[str, str, str, str, int, int, int, int, int, int]

FAILURE_REASONS: tuple[str, ...] = (
    "card_declined",
    "insufficient_funds",
    "expired_card",
    "processing_error",
)

# Card charge outcomes of a recurring invoice (the rest succeed at once).
P_FAIL_THEN_RECOVER = 0.045
P_FAIL_NON_PAYMENT = 0.004
P_FAIL_THEN_CANCEL = 0.002
# Days between dunning attempts after the first failed charge; billing periods
# shorter than four weeks retry faster, so dunning ends within the period.
DUNNING_GAPS = (3, 5, 7)
SHORT_PERIOD_DUNNING_GAPS = (1, 2, 2)


@dataclass(slots=True)
class Invoice:
    issued: int
    seq: int
    due: int | None
    lines: list[Line]
    status: str = "open"
    # payment: (payment_type, status, amount in cents, occurred instant, failure reason)
    payments: list[tuple[str, str, int, int, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(line[7] - line[8] + line[9] for line in self.lines)


@dataclass(frozen=True, slots=True)
class Settlement:
    """How an invoice's collection ended: `paid`, `open`, `non_payment` or `void`, and when."""

    outcome: str
    at: int


class Ledger:
    """The invoices of one customer, in one currency, with one tax rate."""

    def __init__(self, rng: random.Random, currency: str, tax_basis_points: int, end: int) -> None:
        self.rng = rng
        self.currency = currency
        self.tax_basis_points = tax_basis_points
        self.end = end
        self.invoices: list[Invoice] = []
        self.payment_currency_text = currency

    def tax(self, net: int) -> int:
        return basis_points_of(net, self.tax_basis_points) if net > 0 else 0

    def add(self, issued: int, due: int | None, lines: list[Line], status: str = "open") -> Invoice:
        invoice = Invoice(
            issued=issued, seq=len(self.invoices), due=due, lines=lines, status=status
        )
        self.invoices.append(invoice)
        return invoice

    def _pay(
        self, invoice: Invoice, kind: str, status: str, amount: int, at: int, reason: str = ""
    ) -> None:
        invoice.payments.append((kind, status, amount, at, reason))

    def collect_transfer(self, invoice: Invoice) -> Settlement:
        """Bank transfer against a net-30 invoice, paid between 3 and 40 days later."""
        rng = self.rng
        total = invoice.total
        pay_at = invoice.issued + rng.randint(3, 40) * DAY + rng.randrange(DAY)
        if total <= 0:
            invoice.status = "paid"
            return Settlement("paid", invoice.issued)
        if pay_at > self.end:
            if self.end - invoice.issued > 2 * DAY and rng.random() < 0.3:
                self._pay(invoice, "charge", "pending", total, self.end - rng.randrange(DAY))
            return Settlement("open", self.end)
        self._pay(invoice, "charge", "succeeded", total, pay_at)
        invoice.status = "paid"
        return Settlement("paid", pay_at)

    def collect_card(self, invoice: Invoice, recurring: bool, period_days: int = 30) -> Settlement:
        """Card charge right after issue; failures are retried (dunning).

        A failed recurring invoice either recovers on a retry, ends unpaid
        (`uncollectible`, the subscription is cancelled for non-payment), or
        the customer cancels and the invoice is voided.
        """
        rng = self.rng
        end = self.end
        total = invoice.total
        if total <= 0:
            invoice.status = "paid"
            return Settlement("paid", invoice.issued)
        first = invoice.issued + rng.randint(20, 3_600)
        if first > end:
            return Settlement("open", end)
        if end - first < 2 * DAY and rng.random() < 0.25:
            self._pay(invoice, "charge", "pending", total, first)
            return Settlement("open", end)
        roll = rng.random()
        if roll < P_FAIL_THEN_RECOVER:
            self._pay(invoice, "charge", "failed", total, first, rng.choice(FAILURE_REASONS))
            retry = first + rng.randint(2, 11) * DAY + rng.randrange(-3_600, 3_600)
            if retry > end:
                return Settlement("open", end)
            self._pay(invoice, "charge", "succeeded", total, retry)
            invoice.status = "paid"
            return Settlement("paid", retry)
        if not recurring:
            roll = 1.0
        if roll < P_FAIL_THEN_RECOVER + P_FAIL_NON_PAYMENT:
            reason = rng.choice(FAILURE_REASONS)
            attempt = first
            gaps = DUNNING_GAPS if period_days >= 28 else SHORT_PERIOD_DUNNING_GAPS
            for gap in (0, *gaps):
                attempt += gap * DAY
                if attempt > end:
                    return Settlement("open", end)
                self._pay(invoice, "charge", "failed", total, attempt, reason)
            invoice.status = "uncollectible"
            return Settlement("non_payment", attempt)
        if roll < P_FAIL_THEN_RECOVER + P_FAIL_NON_PAYMENT + P_FAIL_THEN_CANCEL:
            self._pay(invoice, "charge", "failed", total, first, rng.choice(FAILURE_REASONS))
            cancel_at = first + rng.randint(1, 4) * DAY
            if cancel_at > end:
                return Settlement("open", end)
            invoice.status = "void"
            return Settlement("void", cancel_at)
        self._pay(invoice, "charge", "succeeded", total, first)
        invoice.status = "paid"
        return Settlement("paid", first)

    def refund(self, invoice: Invoice, amount: int, at: int) -> bool:
        """Refund part or all of a paid invoice; False when it cannot happen by the export."""
        if invoice.status != "paid" or amount <= 0 or at > self.end:
            return False
        paid_at = max(payment[3] for payment in invoice.payments) if invoice.payments else 0
        at = max(at, paid_at + 60)
        if at > self.end:
            return False
        self._pay(invoice, "refund", "succeeded", min(amount, invoice.total), at)
        return True

    def rows(
        self, customer_id: str, timestamp: Callable[[int], str]
    ) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]], list[tuple[str, ...]]]:
        """Invoice, line and payment rows, numbered in issue order."""
        invoices: list[tuple[str, ...]] = []
        lines: list[tuple[str, ...]] = []
        payments: list[tuple[str, ...]] = []
        currency = self.currency
        payment_currency = self.payment_currency_text
        line_number = 0
        payment_number = 0
        for number, invoice in enumerate(
            sorted(self.invoices, key=lambda item: (item.issued, item.seq)), start=1
        ):
            invoice_id = f"INV-{customer_id}-{number:04d}"
            invoices.append(
                (
                    invoice_id,
                    customer_id,
                    currency,
                    invoice.status,
                    timestamp(invoice.issued),
                    "" if invoice.due is None else timestamp(invoice.due),
                )
            )
            for line in invoice.lines:
                line_number += 1
                lines.append(
                    (
                        f"LI-{customer_id}-{line_number:05d}",
                        invoice_id,
                        line[0],
                        line[1],
                        line[2],
                        line[3],
                        date_text(line[4]) if line[4] else "",
                        date_text(line[5]) if line[5] else "",
                        str(line[6]),
                        money(line[7]),
                        money(line[8]),
                        money(line[9]),
                    )
                )
            for payment in sorted(invoice.payments, key=lambda item: item[3]):
                payment_number += 1
                payments.append(
                    (
                        f"PAY-{customer_id}-{payment_number:05d}",
                        invoice_id,
                        payment[0],
                        payment[1],
                        money(payment[2]),
                        payment_currency,
                        timestamp(payment[3]),
                        payment[4],
                    )
                )
        return invoices, lines, payments
