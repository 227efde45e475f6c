import ScheduleModel
import Testing

@Suite struct GregorianDateTests {
    @Test func roundTripsEveryDayAcrossCenturies() {
        var expected = GregorianDate(year: 1600, month: 1, day: 1)
        for days in GregorianDate(year: 1600, month: 1, day: 1).daysSinceEpoch...GregorianDate(year: 2401, month: 1, day: 1).daysSinceEpoch {
            let date = GregorianDate(daysSinceEpoch: days)
            #expect(date == expected)
            if date != expected { return }
            expected.day += 1
            if expected.day > GregorianDate.daysInMonth(year: expected.year, month: expected.month) {
                expected.day = 1
                expected.month += 1
                if expected.month > 12 {
                    expected.month = 1
                    expected.year += 1
                }
            }
        }
    }

    @Test func weekdaysAndLeapYears() {
        #expect(GregorianDate(year: 2026, month: 3, day: 29).weekday == 0)
        #expect(GregorianDate(year: 1970, month: 1, day: 1).weekday == 4)
        #expect(GregorianDate.isLeapYear(2000) && GregorianDate.isLeapYear(2028) && !GregorianDate.isLeapYear(2100))
    }

    @Test func addingMonthsClampsToMonthEnd() {
        let jan31 = GregorianDate(year: 2026, month: 1, day: 31)
        #expect(jan31.addingMonths(1) == GregorianDate(year: 2026, month: 2, day: 28))
        #expect(jan31.addingMonths(2) == GregorianDate(year: 2026, month: 3, day: 31))
        #expect(GregorianDate(year: 2028, month: 1, day: 31).addingMonths(1) == GregorianDate(year: 2028, month: 2, day: 29))
        #expect(jan31.addingMonths(-2) == GregorianDate(year: 2025, month: 11, day: 30))
    }
}
