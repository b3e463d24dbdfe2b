"""What every API endpoint shares: permissions, pagination, throttles, errors; and the root API URLs."""
