FROM ruby:3.3-slim
WORKDIR /app
COPY Gemfile Gemfile.lock .ruby-version ./
RUN bundle install
COPY . .
EXPOSE 4567
CMD ["bundle", "exec", "ruby", "app/main.rb"]
